package org.qvm.cli;

import java.util.Map;

/** Every tool server test again with the JVM's own client (org.qvm.cli.ToolClient): where no Python is. */
class ToolServerJavaClientIT extends ToolServerIT {
    @Override
    Map<String, String> clientEnvironment() {
        return Map.of("QVM_PYTHON", "");
    }
}
