package org.qvm.config;

import java.util.Optional;

/** The size of a private volume: a size string, a whole number of MiB, at least 16M. */
final class PrivateSizes {
    static final Size MIN = Size.parse("16M");

    private PrivateSizes() {
    }

    static Optional<Size> read(TableReader table, String key) {
        return table.parsed(key, Size::parse).flatMap(size -> {
            if (!size.isWholeMib() || size.compareTo(MIN) < 0) {
                table.error(key, "'" + table.name(key) + "' must be a whole number of MiB and at least " + MIN
                        + ", not " + size);
                return Optional.empty();
            }
            return Optional.of(size);
        });
    }
}
