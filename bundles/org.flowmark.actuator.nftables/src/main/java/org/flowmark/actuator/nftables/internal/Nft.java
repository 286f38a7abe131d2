package org.flowmark.actuator.nftables.internal;

/** Runs one nft script as one transaction; {@link LibNftables} in production, a recorder in tests. */
interface Nft extends AutoCloseable {

    /**
     * Runs {@code script} (nft commands, one per line) as one transaction: all or nothing.
     *
     * @return nft's standard output (list commands)
     * @throws NftException with nft's error text when the transaction was rejected
     */
    String run(String script) throws NftException;

    @Override
    void close();

    /** A rejected transaction: nft's error text, classified for clear messages and recovery. */
    final class NftException extends Exception {
        private static final long serialVersionUID = 1L;

        NftException(String message) {
            super(message);
        }

        /** The table or a set is missing (deleted behind our back): recreate and retry. */
        boolean missing() {
            String m = getMessage();
            return m.contains("No such file or directory") || m.contains("does not exist");
        }

        /** Not root / no CAP_NET_ADMIN. */
        boolean notPermitted() {
            return getMessage().contains("Operation not permitted");
        }

        /** The kernel lacks nf_tables (or the set type). */
        boolean unsupported() {
            String m = getMessage();
            return m.contains("Protocol not supported") || m.contains("Operation not supported")
                    || m.contains("Address family not supported");
        }

        /** A short, single-paragraph form of nft's error text (it echoes the script line and carets). */
        String brief() {
            StringBuilder sb = new StringBuilder();
            for (String line : getMessage().split("\n")) {
                int i = line.indexOf("Error:");
                if (i >= 0) {
                    if (sb.length() > 0) {
                        sb.append("; ");
                    }
                    sb.append(line.substring(i).trim());
                    if (sb.length() > 400) {
                        break;
                    }
                }
            }
            return sb.length() > 0 ? sb.toString() : getMessage().trim();
        }
    }
}
