package org.qvm.guest.agent;

import java.util.List;

/**
 * How the agent was started.
 *
 * @param user             whose commands run by default and who receives copied files
 * @param poweroffCommand  what power-off runs (default {@code systemctl poweroff})
 * @param maxConnections   connections served at once; more are closed at once
 */
record AgentSettings(String user, List<String> poweroffCommand, int maxConnections) {
    AgentSettings {
        poweroffCommand = List.copyOf(poweroffCommand);
    }
}
