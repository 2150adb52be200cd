package org.qvm.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.qvm.config.Label;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A tool as its manual page and shell completions see it, read from its picocli command model,
 * with what completion needs on top (which values an option takes, what the arguments are).
 */
record ToolModel(String name, String header, List<String> description, String synopsis, List<Option> options,
                 Tool.Arguments arguments, List<String[]> examples, List<ToolModel> subcommands, List<String> aliases) {

    /** What completes an option's value. */
    enum Values { NONE, FREE, CHOICES, VMS, FIELD_LIST }

    record Option(List<String> names, String paramLabel, String description, Values values, List<String> choices) {
        boolean takesValue() {
            return values != Values.NONE;
        }
    }

    /** Every qvm-* tool: the host's, and qvm-agent, which runs in guests. */
    static List<ToolModel> all() {
        List<ToolModel> tools = new ArrayList<>();
        for (String name : Tools.NAMES) {
            tools.add(of(ToolRunner.commandLine(Tools.create(name))));
        }
        tools.add(agent());
        return tools;
    }

    /** qvm-agent is not a picocli tool (its jar carries nothing but the agent); its model is written here. */
    static ToolModel agent() {
        return new ToolModel("qvm-agent", "the guest side of qvm",
                List.of("Runs inside a VM and serves the host's qvm-run, qvm-copy-to-vm, qvm-open-in-vm, qvm-start (ping) and "
                        + "qvm-shutdown (power-off), one request per connection, many connections at once. On AF_VSOCK it serves only "
                        + "the host (CID 2). Commands run in a session of their own, as the requested user when the agent "
                        + "is root; copied files land in ~/QubesIncoming/host/ of the user it delivers to. The protocol is "
                        + "described in guest-agent/PROTOCOL.md."),
                "qvm-agent [--listen vsock:PORT|unix:PATH] [--port PORT] [--user USER] [--poweroff-command 'CMD ARGS'] "
                        + "[--open-command 'CMD ARGS'] [--wayland-host ADDR] [--wayland-socket PATH] [--max-connections N] [-v]",
                List.of(new Option(List.of("--listen"), "vsock:PORT|unix:PATH", "Where to listen (default vsock:5000); "
                                + "unix:PATH serves the hybrid-vsock CONNECT handshake itself.", Values.FREE, List.of()),
                        new Option(List.of("--port"), "PORT", "The port a unix listener answers for (default 5000).",
                                Values.FREE, List.of()),
                        new Option(List.of("--user"), "USER", "Whose commands run by default and who receives copied files "
                                + "(default: the agent's own user).", Values.FREE, List.of()),
                        new Option(List.of("--poweroff-command"), "'CMD ARGS'", "What power-off runs (default: systemctl "
                                + "poweroff), split at spaces, no shell.", Values.FREE, List.of()),
                        new Option(List.of("--open-command"), "'CMD ARGS'", "What opens a file or URL another VM sent, as "
                                + "the user, with it as the last argument (default: xdg-open), split at spaces, no shell.",
                                Values.FREE, List.of()),
                        new Option(List.of("--wayland-host"), "ADDR", "Where GUI commands' waypipe streams go on the host "
                                + "(vsock:PORT, tcp:HOST:PORT, tcp:PORT at the gateway, unix:PATH); with --listen cmdline, "
                                + "qvm.wayland= on the kernel command line. Without it, no GUI commands.", Values.FREE, List.of()),
                        new Option(List.of("--wayland-socket"), "PATH", "The relay's socket, where GUI commands' waypipe "
                                + "connects (default /run/qvm/waypipe.sock).", Values.FREE, List.of()),
                        new Option(List.of("--max-connections"), "N", "Connections served at once (default 256).",
                                Values.FREE, List.of()),
                        new Option(List.of("-v", "--verbose"), null, "Log connections to standard error.", Values.NONE,
                                List.of())),
                Tool.Arguments.NONE,
                List.<String[]>of(new String[] {"qvm-agent --listen vsock:5000 --user user",
                        "as the systemd unit in examples/guest/qvm-agent.service runs it"}),
                List.of(), List.of());
    }

    static ToolModel of(CommandLine commandLine) {
        CommandSpec spec = commandLine.getCommandSpec();
        Tool tool = (Tool) commandLine.getCommand();
        List<Option> options = new ArrayList<>();
        for (OptionSpec option : spec.options()) {
            options.add(option(option));
        }
        List<ToolModel> subcommands = new ArrayList<>();
        commandLine.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                subcommands.add(of(sub));
            }
        });
        String synopsis = commandLine.getHelp().synopsis(0).strip().replaceAll("\\s+", " ");
        return new ToolModel(spec.qualifiedName(" "), String.join(" ", spec.usageMessage().header()),
                List.of(spec.usageMessage().description()), synopsis, options, tool.arguments(), tool.examples(),
                subcommands, List.of(spec.aliases()));
    }

    private static Option option(OptionSpec option) {
        String description = String.join(" ", option.description());
        String longest = option.longestName();
        if (option.arity().max() == 0) {
            return new Option(List.of(option.names()), null, description, Values.NONE, List.of());
        }
        List<String> choices = new ArrayList<>();
        Values values = Values.FREE;
        if (longest.equals("--label")) {
            values = Values.CHOICES;
            for (Label label : Label.values()) {
                choices.add(label.id());
            }
        } else if (longest.equals("--fields")) {
            values = Values.FIELD_LIST;
            fields(choices);
        } else if (longest.equals("--sort")) {
            values = Values.CHOICES;
            fields(choices);
        } else if (longest.equals("--exclude")) {
            values = Values.VMS;
        } else if (option.completionCandidates() != null) {
            values = Values.CHOICES;
            option.completionCandidates().forEach(candidate -> choices.add(candidate.toLowerCase(Locale.ROOT)));
        }
        return new Option(List.of(option.names()), option.paramLabel(), description, values, choices);
    }

    private static void fields(List<String> choices) {
        for (VmField field : VmField.values()) {
            choices.add(field.id());
        }
    }
}
