package org.flowmark.signatures.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The signature directory's {@code *.json} files and the index built from them. {@link #refresh} (called at
 * start and by the watcher every second) re-reads the files whose size or modification time changed; a file that
 * fails to load is reported (file and line) and its previous good version stays in force, while the other files
 * load; a deleted file is dropped. When anything changed, a new immutable index is built and published in one
 * volatile write. Not thread-safe: one thread refreshes; any thread reads {@link #index()}.
 */
final class SignatureStore {

    private static final class FileState {
        final long size;
        final long modified;
        final SignatureLoader.Loaded good;

        FileState(long size, long modified, SignatureLoader.Loaded good) {
            this.size = size;
            this.modified = modified;
            this.good = good;
        }
    }

    private final Path dir;
    private final Consumer<String> info;
    private final Consumer<String> error;
    private final Map<String, FileState> files = new TreeMap<>();
    private volatile SignatureIndex index = SignatureIndex.EMPTY;
    private boolean missingReported;
    /** Count of rebuilds (for tests). */
    int generations;

    SignatureStore(Path dir, Consumer<String> info, Consumer<String> error) {
        this.dir = dir;
        this.info = info;
        this.error = error;
    }

    SignatureIndex index() {
        return index;
    }

    Path directory() {
        return dir;
    }

    /** Re-reads changed files; returns true when a new index was published. */
    boolean refresh() {
        Map<String, Path> present = new TreeMap<>();
        if (Files.isDirectory(dir)) {
            missingReported = false;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                for (Path p : ds) {
                    if (Files.isRegularFile(p)) {
                        present.put(p.getFileName().toString(), p);
                    }
                }
            } catch (IOException e) {
                error.accept("signatures: cannot list " + dir + ": " + e.getMessage());
                return false;
            }
        } else if (!missingReported) {
            missingReported = true;
            error.accept("signatures: directory " + dir + " does not exist; no application signatures");
        }
        boolean changed = files.keySet().retainAll(present.keySet());
        for (Map.Entry<String, Path> e : present.entrySet()) {
            long size;
            long modified;
            try {
                BasicFileAttributes a = Files.readAttributes(e.getValue(), BasicFileAttributes.class);
                size = a.size();
                modified = a.lastModifiedTime().toMillis();
            } catch (IOException ex) {
                continue; // vanished meanwhile: the next round sees it gone
            }
            FileState old = files.get(e.getKey());
            if (old != null && old.size == size && old.modified == modified) {
                continue;
            }
            SignatureLoader.Loaded good = old != null ? old.good : null;
            try {
                SignatureLoader.Loaded l = SignatureLoader.load(e.getValue());
                changed |= !Objects.equals(good, l);
                good = l;
            } catch (SignatureException ex) {
                error.accept("signatures: rejected " + ex.getMessage()
                    + (good != null ? " (keeping the previous version of " + e.getKey() + ")" : ""));
            }
            files.put(e.getKey(), new FileState(size, modified, good));
        }
        if (!changed && generations > 0) {
            return false;
        }
        ArrayList<SignatureLoader.Loaded> loaded = new ArrayList<>();
        for (FileState s : files.values()) {
            if (s.good != null) {
                loaded.add(s.good);
            }
        }
        SignatureIndex ix = SignatureIndex.build(loaded, w -> error.accept("signatures: " + w));
        index = ix;
        generations++;
        info.accept("signatures: " + ix.applications + " applications, " + ix.patterns + " patterns from "
            + loaded.size() + " files in " + dir);
        return true;
    }
}
