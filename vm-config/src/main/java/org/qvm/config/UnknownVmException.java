package org.qvm.config;

/** A VM name that no file in the VM directory defines. */
public class UnknownVmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownVmException(String name, Configuration configuration) {
        super(message(name, configuration));
    }

    private static String message(String name, Configuration configuration) {
        String hint = Suggestion.closest(name, configuration.names()).map(s -> " (did you mean '" + s + "'?)").orElse("");
        return "no such domain: '" + name + "'" + hint + "; VMs are defined in " + configuration.host().vmDir()
                + "/NAME.toml";
    }
}
