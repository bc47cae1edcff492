package org.gfsj.lockd.state;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as RocksDB databases, one directory {@code snapshot.TERM_INDEX} each under the Raft
 * state-machine directory. A snapshot is written under a temporary name, closed (so RocksDB has
 * flushed and synced it) and then renamed into place, so a crash leaves either the old snapshot
 * or the new one, never half of one.
 */
final class RocksSnapshotStore implements StateMachineStorage {
  private static final Logger LOG = LoggerFactory.getLogger(RocksSnapshotStore.class);
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  private static final int KEEP = 2;

  private volatile File dir;
  private volatile SnapshotInfo latest;

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    // The peer's data directory (--dir), which holds the Raft group's directory.
    RocksLibrary.loadInto(raftStorage.getStorageDir().getRoot().toPath().getParent());
    dir = raftStorage.getStorageDir().getStateMachineDir();
    Files.createDirectories(dir.toPath());
    removeUnfinished();
    latest = findLatest();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  /** Re-reads the directory, after Ratis installed a snapshot from the leader. */
  void reload() throws IOException {
    latest = findLatest();
  }

  @Override
  public void format() {}

  @Override
  public File getSnapshotDir() {
    return dir;
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    List<Path> all = snapshots();
    for (int i = 0; i + KEEP < all.size(); i++) {
      deleteTree(all.get(i));
    }
  }

  /** Writes the applier's whole state as the snapshot at {@code termIndex}. */
  void write(TermIndex termIndex, LogApplier applier) throws IOException {
    String name = "snapshot." + termIndex.getTerm() + "_" + termIndex.getIndex();
    Path tmp = dir.toPath().resolve("tmp." + name);
    deleteTree(tmp);
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, tmp.toString());
        WriteBatch batch = new WriteBatch();
        WriteOptions sync = new WriteOptions().setSync(true)) {
      applier.writeTo((key, value) -> {
        try {
          batch.put(key, value);
        } catch (RocksDBException e) {
          throw new IllegalStateException(e);
        }
      });
      db.write(sync, batch);
    } catch (RocksDBException e) {
      IOException failure = new IOException("cannot write lockd snapshot " + tmp + ": "
          + e.getMessage() + "; check free space and permissions of " + dir, e);
      // On a full disk, what was written of it is in the way of everything else.
      try {
        deleteTree(tmp);
      } catch (IOException | UncheckedIOException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
    Path target = dir.toPath().resolve(name);
    deleteTree(target);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    latest = info(target, termIndex);
    cleanupOldSnapshots(null);
  }

  /** Loads the latest snapshot into {@code applier}; returns false when there is none. */
  boolean load(LogApplier applier) throws IOException {
    SnapshotInfo info = latest;
    if (info == null) {
      return false;
    }
    Path path = dir.toPath().resolve(
        "snapshot." + info.getTerm() + "_" + info.getIndex());
    List<StateSink.Entry> records = new ArrayList<>();
    try (Options options = new Options();
        RocksDB db = RocksDB.openReadOnly(options, path.toString());
        RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        records.add(new StateSink.Entry(it.key(), it.value()));
      }
    } catch (RocksDBException e) {
      throw new IOException("cannot read lockd snapshot " + path + ": " + e.getMessage()
          + "; move it aside so the peer catches up from the other peers", e);
    }
    applier.restore(records);
    LOG.info("loaded snapshot {} ({} records)", path, records.size());
    return true;
  }

  /** Snapshots a crash interrupted, never renamed into place; nothing will read them. */
  private void removeUnfinished() throws IOException {
    try (Stream<Path> s = Files.list(dir.toPath())) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("tmp.snapshot."))
          .toList()) {
        LOG.info("removing unfinished snapshot {}", p);
        deleteTree(p);
      }
    }
  }

  private SnapshotInfo findLatest() throws IOException {
    List<Path> all = snapshots();
    if (all.isEmpty()) {
      return null;
    }
    Path last = all.get(all.size() - 1);
    Matcher m = NAME.matcher(last.getFileName().toString());
    m.matches();
    return info(last, TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
  }

  /** Every complete snapshot directory, oldest first. */
  private List<Path> snapshots() throws IOException {
    try (Stream<Path> s = Files.list(dir.toPath())) {
      return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(RocksSnapshotStore::indexOf))
          .toList();
    }
  }

  private static long indexOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    m.matches();
    return Long.parseLong(m.group(2));
  }

  private static SnapshotInfo info(Path snapshot, TermIndex termIndex) throws IOException {
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(snapshot)) {
      s.sorted().forEach(p -> files.add(new FileInfo(p, null)));
    }
    return new FileListSnapshotInfo(files, termIndex);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(x -> {
        try {
          Files.delete(x);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
