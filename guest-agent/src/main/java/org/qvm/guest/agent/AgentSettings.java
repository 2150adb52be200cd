package org.qvm.guest.agent;

import java.util.List;

/**
 * How the agent was started.
 *
 * @param user             whose commands run by default and who receives copied files
 * @param home             that user's home: where copies land (QubesIncoming/host) and commands start
 * @param poweroffCommand  what power-off runs (default {@code systemctl poweroff})
 * @param maxConnections   connections served at once; more are closed at once
 */
record AgentSettings(String user, java.nio.file.Path home, List<String> poweroffCommand, int maxConnections) {
    AgentSettings {
        poweroffCommand = List.copyOf(poweroffCommand);
    }

    /** The home of a user: ours from the settings, anyone else's from /etc/passwd. */
    java.util.Optional<java.nio.file.Path> homeOf(String name) {
        return name.equals(user) ? java.util.Optional.of(home) : Accounts.find(name).map(Accounts.Account::home);
    }
}
