package org.qvm.network;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import java.util.Optional;
import org.qvm.plan.NativeApi;

/**
 * nftables' own library ({@code libnftables.so.1}, of Debian's nftables package), through JNA:
 * what an {@code nft} process does with its arguments or its script, done in this process. The
 * {@code nft} program is this library behind a command line, so the rules, the errors and the
 * JSON are the same; only the process (about 15 ms here, up to three times in a VM's start) is
 * saved. Where the library cannot be loaded, {@link #available} is false and {@code nft} runs.
 */
final class Libnftables {
    /** NFT_CTX_OUTPUT_JSON of libnftables.h: output as {@code nft -j} prints it. */
    private static final int OUTPUT_JSON = 1 << 4;

    /** The functions of libnftables.h that an nft process uses for one run. */
    interface Api extends Library {
        Pointer nft_ctx_new(int flags);

        void nft_ctx_free(Pointer context);

        int nft_ctx_buffer_output(Pointer context);

        int nft_ctx_buffer_error(Pointer context);

        void nft_ctx_output_set_flags(Pointer context, int flags);

        int nft_run_cmd_from_buffer(Pointer context, String commands);

        String nft_ctx_get_output_buffer(Pointer context);

        String nft_ctx_get_error_buffer(Pointer context);
    }

    /** What a run printed, and its status as nft's: 0, or 1 when it failed (nothing of it applied). */
    record Result(int status, String output, String errors) {
        boolean succeeded() {
            return status == 0;
        }
    }

    private Libnftables() {
    }

    /** Loaded on first use: a tool that never changes the network never loads JNA for it. */
    private static final class Loaded {
        static final Optional<Api> API = NativeApi.load("nftables", Api.class);
    }

    static boolean available() {
        return Loaded.API.isPresent();
    }

    /**
     * Runs {@code commands} (nft's syntax, one or more lines) as {@code nft -f -} would, in one
     * transaction; with {@code json}, the output is {@code nft -j}'s. One run at a time: the
     * library's context is made and freed per run, and its set-up is not known to be thread-safe.
     *
     * @throws IllegalStateException where the library is not {@link #available}
     */
    static synchronized Result run(String commands, boolean json) {
        Api api = Loaded.API.orElseThrow(() -> new IllegalStateException("libnftables.so.1 could not be loaded"));
        Pointer context = api.nft_ctx_new(0);
        if (context == null) {
            return new Result(1, "", "Error: libnftables could not make a context");
        }
        try {
            api.nft_ctx_buffer_output(context);
            api.nft_ctx_buffer_error(context);
            if (json) {
                api.nft_ctx_output_set_flags(context, OUTPUT_JSON);
            }
            int status = api.nft_run_cmd_from_buffer(context, commands);
            String output = api.nft_ctx_get_output_buffer(context);
            String errors = api.nft_ctx_get_error_buffer(context);
            return new Result(status == 0 ? 0 : 1, output == null ? "" : output, errors == null ? "" : errors);
        } finally {
            api.nft_ctx_free(context);
        }
    }
}
