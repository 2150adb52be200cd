#!/usr/bin/env bash
# Installs qvm (after `mvn -q -B package -DskipTests`) into a prefix, or removes it again.
#
#   ./install.sh [--prefix DIR] [--sysconfdir DIR]     install (default /usr/local and /etc)
#   ./install.sh --uninstall [--prefix DIR]              remove what an install put there
#   ./install.sh --archive FILE                          the release archive: the same tree, as .tar.gz
#
# DESTDIR is honoured (staged installs for packages): files go to $DESTDIR$PREFIX/... and refer to
# $PREFIX. What is installed:
#   PREFIX/bin/qvm-*                          the tools (and qvm-java, which starts their jar)
#   PREFIX/share/qvm/qvm.jar, qvm-agent.jar   the jars (qvm-agent.jar is for guest images)
#   PREFIX/share/qvm/guest/                   what qvm-template builds into guest images
#   PREFIX/share/qvm/qvm.jsa or qvm.aot       the JVM's start-up cache (made here, without DESTDIR), with
#     libjnidispatch.so and jna-library-path  JNA's native stub and library path, taken out once
#   PREFIX/share/man/man1/qvm-*.1             manual pages
#   PREFIX/share/bash-completion/completions/, share/zsh/site-functions/, share/fish/vendor_completions.d/
#   PREFIX/lib/systemd/system/qvm@.service, qvm-autostart.service
#   PREFIX/share/qvm/examples/                the example host file, VMs and guest unit
#   SYSCONFDIR/qvm/qvm.toml                   the example host file, only if there is none (never overwritten)
# The list of installed files is kept in PREFIX/share/qvm/installed-files for --uninstall, which
# leaves SYSCONFDIR/qvm alone (it is yours).
set -euo pipefail
top=$(cd "$(dirname -- "$0")" && pwd)
version=0.1.0
prefix=/usr/local
sysconfdir=/etc
mode=install
archive=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=$2; shift 2 ;;
        --sysconfdir) sysconfdir=$2; shift 2 ;;
        --uninstall) mode=uninstall; shift ;;
        --archive) mode=archive; archive=$2; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "install.sh: error: unknown argument $1" >&2; exit 2 ;;
    esac
done
case $prefix in /*) ;; *) echo "install.sh: error: --prefix must be absolute" >&2; exit 2 ;; esac
dest=${DESTDIR:-}
manifest_path=$prefix/share/qvm/installed-files

if [ "$mode" = uninstall ]; then
    manifest=$dest$manifest_path
    if [ ! -f "$manifest" ]; then
        echo "install.sh: error: nothing installed under $dest$prefix ($manifest is missing)" >&2
        exit 1
    fi
    while IFS= read -r file; do
        rm -f -- "$dest$file"
    done <"$manifest"
    rm -f -- "$manifest" "$dest$prefix/share/qvm/qvm.jsa" "$dest$prefix/share/qvm/qvm.aot" "$dest$prefix/share/qvm/startup-java" \
        "$dest$prefix/share/qvm/libjnidispatch.so" "$dest$prefix/share/qvm/jna-library-path"
    # Directories qvm made under its own share/qvm, if nothing else is in them now.
    if [ -d "$dest$prefix/share/qvm" ]; then
        find "$dest$prefix/share/qvm" -depth -type d -empty -delete
    fi
    echo "qvm: removed from $dest$prefix (your configuration in $sysconfdir/qvm stays)"
    exit 0
fi

if [ "$mode" = archive ]; then
    staging=$(mktemp -d)
    trap 'rm -rf "$staging"' EXIT
    DESTDIR=$staging/qvm-$version "$0" --prefix /usr/local --sysconfdir /etc >/dev/null
    mkdir -p "$(dirname -- "$archive")"
    tar -C "$staging" --owner=0 --group=0 --sort=name -czf "$archive" "qvm-$version"
    echo "qvm: release archive $archive"
    exit 0
fi

jar=$top/cli/target/qvm.jar
agent_jar=$top/guest-agent/target/qvm-agent.jar
if [ ! -f "$jar" ] || [ ! -f "$agent_jar" ]; then
    echo "install.sh: error: build first: mvn -q -B package -DskipTests" >&2
    exit 1
fi
java=java
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java=$JAVA_HOME/bin/java
fi

installed=()
# put SOURCE TARGET MODE: installs a file at $DESTDIR$TARGET and remembers TARGET.
put() {
    install -D -m "$3" -- "$1" "$dest$2"
    installed+=("$2")
}

tools=()
for wrapper in "$top"/bin/qvm-* "$top"/bin/qvmd; do
    name=${wrapper##*/}
    put "$wrapper" "$prefix/bin/$name" 0755
    # qvm-java and qvm-tool-client start the tools, qvm-console-keeper runs beside each VM: they are
    # not tools of their own (no completion, no manual page).
    case $name in qvm-java | qvm-tool-client | qvm-console-keeper) ;; *) tools+=("$name") ;; esac
done
put "$jar" "$prefix/share/qvm/qvm.jar" 0644
put "$agent_jar" "$prefix/share/qvm/qvm-agent.jar" 0644
# What qvm-template puts into guest images: the guest's files and the build's customize hook.
while IFS= read -r file; do
    put "$top/$file" "$prefix/share/qvm/$file" "$(stat -c %a "$top/$file")"
done < <(cd "$top" && find guest -type f | sort)

pages=$(mktemp -d)
trap 'rm -rf "$pages"' EXIT
"$java" -cp "$jar" org.qvm.cli.GenerateDocs man "$pages"
for page in "$pages"/*.1; do
    put "$page" "$prefix/share/man/man1/${page##*/}" 0644
done

# bash-completion and fish load a command's completion from a file named after it.
for tool in "${tools[@]}"; do
    put "$top/completions/qvm.bash" "$prefix/share/bash-completion/completions/$tool" 0644
    put "$top/completions/qvm.fish" "$prefix/share/fish/vendor_completions.d/$tool.fish" 0644
done
put "$top/completions/_qvm" "$prefix/share/zsh/site-functions/_qvm" 0644

for unit in "$top"/cli/src/main/systemd/*.service; do
    sed "s#@BINDIR@#$prefix/bin#g" "$unit" >"$pages/${unit##*/}"
    put "$pages/${unit##*/}" "$prefix/lib/systemd/system/${unit##*/}" 0644
done

put "$top/examples/qvm.toml" "$prefix/share/qvm/examples/qvm.toml" 0644
put "$top/examples/policy.toml" "$prefix/share/qvm/examples/policy.toml" 0644
for file in "$top"/examples/vms/*.toml; do
    put "$file" "$prefix/share/qvm/examples/vms/${file##*/}" 0644
done
for file in "$top"/examples/guest/*; do
    put "$file" "$prefix/share/qvm/examples/guest/${file##*/}" 0644
done

config=$dest$sysconfdir/qvm/qvm.toml
if [ -e "$config" ]; then
    echo "qvm: $sysconfdir/qvm/qvm.toml exists; left as it is (the example is in $prefix/share/qvm/examples)"
else
    install -D -m 0644 -- "$top/examples/qvm.toml" "$config"
    mkdir -p -- "$dest$sysconfdir/qvm/vms"
    echo "qvm: wrote the example host file to $sysconfdir/qvm/qvm.toml; put VM definitions in $sysconfdir/qvm/vms/"
fi
policy=$dest$sysconfdir/qvm/policy.toml
if [ ! -e "$policy" ]; then
    install -D -m 0644 -- "$top/examples/policy.toml" "$policy"
    echo "qvm: wrote the default policy for guests' calls to $sysconfdir/qvm/policy.toml"
fi

printf '%s\n' "${installed[@]}" >"$dest$manifest_path"

# The start-up cache records the jar's real path, so it is made only where the jar will run from.
if [ -z "$dest" ]; then
    "$prefix/bin/qvm-java" --make-startup-cache || echo "qvm: no start-up cache (the tools still work, only slower)"
else
    echo "qvm: staged in $dest; run $prefix/bin/qvm-java --make-startup-cache once installed, for faster start-up"
fi
echo "qvm: installed into $dest$prefix"
