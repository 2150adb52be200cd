package org.qvm.guest.agent;

import java.util.List;

/**
 * How the agent was started.
 *
 * @param user             whose commands run by default and who receives copied files
 * @param home             that user's home: where copies land (QubesIncoming/host) and commands start
 * @param poweroffCommand  what power-off runs (default {@code systemctl poweroff})
 * @param openCommand      what opens a file or URL another VM sent, as the user, with it as the
 *                         last argument (default {@code xdg-open})
 * @param maxConnections   connections served at once; more are closed at once
 * @param waylandSocket    where GUI commands' waypipe reaches the host (the {@link WaylandRelay}'s socket);
 *                         empty when the VM's windows do not travel by waypipe
 */
record AgentSettings(String user, java.nio.file.Path home, List<String> poweroffCommand, List<String> openCommand,
                     int maxConnections, java.util.Optional<java.nio.file.Path> waylandSocket) {
    static final List<String> DEFAULT_OPEN_COMMAND = List.of("xdg-open");

    AgentSettings(String user, java.nio.file.Path home, List<String> poweroffCommand, List<String> openCommand,
                  int maxConnections) {
        this(user, home, poweroffCommand, openCommand, maxConnections, java.util.Optional.empty());
    }

    AgentSettings withWaylandSocket(java.nio.file.Path socket) {
        return new AgentSettings(user, home, poweroffCommand, openCommand, maxConnections, java.util.Optional.of(socket));
    }

    AgentSettings {
        poweroffCommand = List.copyOf(poweroffCommand);
        openCommand = List.copyOf(openCommand);
        if (openCommand.isEmpty()) {
            throw new IllegalArgumentException("the open command is empty");
        }
    }

    /** The home of a user: ours from the settings, anyone else's from /etc/passwd. */
    java.util.Optional<java.nio.file.Path> homeOf(String name) {
        return name.equals(user) ? java.util.Optional.of(home) : Accounts.find(name).map(Accounts.Account::home);
    }
}
