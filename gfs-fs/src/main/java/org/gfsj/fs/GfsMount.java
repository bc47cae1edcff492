package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.fs.format.Timestamp;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockModule;
import org.gfsj.fs.lock.LockName;
import org.gfsj.fs.lock.NolockModule;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.log.JournalRegion;
import org.gfsj.journal.log.JournalReplayer;
import org.gfsj.journal.log.JournalWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted GFSJ filesystem on this node (GFS2's super.c and ops_fstype.c, with the inode
 * operations of inode.c): the one {@link Vfs} the FUSE, HTTP and NFS fronts call.
 *
 * <h2>Mount</h2>
 * Open the device with a shared host lock, check the superblock, take this node's journal slot,
 * replay the journal if the last mount did not close it clean, open the journal for writing, and
 * learn the resource groups from the index. Unmount ({@link #close}) writes everything back and
 * closes the journal clean.
 *
 * <h2>An operation</h2>
 * Each call takes the mount's operation lock, holds the glocks of what it touches (inodes, then
 * resource groups through the {@link Allocator}), checks names and permissions, reserves the blocks
 * it may allocate (so that ENOSPC comes before any change), changes cached blocks inside one
 * {@link FsTransaction}, and queues that transaction to the journal on the way out. Only fsync and
 * sync wait for the journal.
 *
 * <h2>Withdraw</h2>
 * A corrupt block, an impossible structure or a failed write makes the mount withdraw: the journal
 * stops, every later call fails with EIO, the log names the block and says to run fsck.gfsj. The
 * journal still holds every committed transaction for the next mount to replay.
 *
 * <h2>Concurrency</h2>
 * Calls are serialised by {@code opLock}; fsync and sync wait for the journal outside it. Finer
 * locking (per-inode glock holders, as GFS2) is for the cluster version, where the glocks already
 * taken here become the unit of locking.
 */
public final class GfsMount implements Vfs {
  private static final Logger log = LoggerFactory.getLogger(GfsMount.class);
  private static final int MAX_LINKS = 65000;
  private static final int MAX_SYMLINK = 4095;
  private static final int CACHE_BLOCKS = 16384;
  /**
   * Inodes cached beyond this are dropped, the least recently used first, down to seven eighths.
   * With 8,192 and dropping half in hash order, stat or unlink of 10,000 files reloaded (decoded
   * and CRC-checked) about half of them; an inode costs about 4 KiB, its stuffed data area.
   */
  private static final int CACHED_INODES = 16384;
  /**
   * Glocks kept: those of cached inodes and blocks, and idle ones up to this many, whose inodes
   * the next calls may well touch again without asking the lock manager.
   */
  private static final int CACHED_GLOCKS = 4 * CACHED_INODES;
  private static final long DAY_NANOS = TimeUnit.DAYS.toNanos(1);

  private final BlockDevice device;
  private final SuperBlock sb;
  private final MountOptions options;
  private final int bs;
  private final int slot;
  private final BufferCache cache;
  /** nolock: no other node changes the filesystem. */
  private final boolean soleWriter;
  private final Transactions transactions;
  private final Glocks glocks;
  private final Allocator allocator;
  private final Statfs statfs;
  private final FileContents contents;
  private final Xattrs xattrs;
  private final AdvisoryLocks locks = new AdvisoryLocks();
  private final JournalWriter journal;
  private final CommitTimer commitTimer;

  private final ReentrantLock opLock = new ReentrantLock();
  /**
   * The transaction of the calls that only read (getattr, lookup, read, readdir...), so that they
   * allocate none: calls are serialised by {@code opLock}, so one serves them all. A read that
   * changes something after all (an atime) joins it to the running transaction as any call does,
   * and it is emptied for the next.
   */
  private final FsTransaction readTx = new FsTransaction();
  /** Unlinked inodes too large to free in one transaction: {@link #freeInStages} frees them. */
  private final ConcurrentLinkedQueue<Long> toFree = new ConcurrentLinkedQueue<>();
  /** Cached inodes, least recently used first (access order), so that eviction drops the coldest. */
  private final LinkedHashMap<Long, Inode> inodes = new LinkedHashMap<>(1024, 0.75f, true);
  private final HashMap<Long, OpenFile> handles = new HashMap<>();
  private final List<Glock> held = new ArrayList<>();
  private long nextHandle = 1;
  private volatile FsException withdrawn;
  private boolean closed;

  private record OpenFile(long ino, int flags) {
    boolean readable() {
      return (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_WRONLY;
    }

    boolean writable() {
      return (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY;
    }
  }

  /**
   * Mounts the filesystem on {@code deviceSpec} (a path or nbd://host/export).
   *
   * @throws IOException when the device holds no intact GFSJ filesystem, the journal slot does
   *     not exist, or the journal cannot be replayed; the message says what to do
   */
  public static GfsMount open(String deviceSpec, MountOptions options) throws IOException {
    DeviceOptions device = DeviceOptions.defaults().withLock(DeviceOptions.HostLock.SHARED)
        .withReadOnly(options.readOnly());
    FileSystemReader reader = FileSystemReader.open(deviceSpec, device);
    try {
      return new GfsMount(reader, options);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** Mounts the filesystem on an open device, at the filesystem's block size (tests, tools). */
  public static GfsMount open(BlockDevice device, MountOptions options) throws IOException {
    return new GfsMount(FileSystemReader.of(device), options);
  }

  private GfsMount(FileSystemReader reader, MountOptions options) throws IOException {
    this.device = reader.device();
    this.sb = reader.superBlock();
    this.options = options;
    this.bs = sb.blockSize();
    LockModule module = lockModule(options.lockProtocol() != null ? options.lockProtocol()
        : sb.lockProtocol());
    this.soleWriter = module instanceof NolockModule;
    List<JournalIndexEntry> jindex = reader.journalIndex();
    if (options.journal() >= jindex.size()) {
      throw new IOException(device.name() + ": journal=" + options.journal() + " but the"
          + " filesystem has " + jindex.size() + " journal(s), slots 0.." + (jindex.size() - 1)
          + "; add one with gfs-tool jadd");
    }
    // a read-only mount writes no journal: it only checks that its slot needs no replay
    this.slot = options.readOnly() ? Math.max(0, options.journal())
        : module instanceof NolockModule
            ? JournalSlots.takeAll(device, options.journal(), jindex.size())
            : JournalSlots.take(device, options.journal(), jindex.size());
    JournalRegion region = reader.journal(jindex.get(slot));
    this.cache = new BufferCache(device, CACHE_BLOCKS, this::withdraw);
    this.transactions = new Transactions(cache, this::withdraw);
    this.glocks = new Glocks(module, new GlockOperations(), CACHED_GLOCKS);
    glocks.get(LockName.Type.JOURNAL, slot).hold(LockMode.EX);
    if (options.readOnly()) {
      if (new JournalReplayer(region).needsReplay()) {
        throw new IOException(device.name() + ": journal " + slot + " holds transactions the"
            + " last mount did not write back; mount read-write once to replay it (or run"
            + " fsck.gfsj)");
      }
      this.journal = null;
    } else {
      this.journal = JournalWriter.open(region, cache);
      cache.attach(journal);
      transactions.attach(journal);
    }
    List<ResourceGroup> groups = new ArrayList<>();
    for (ResourceGroupIndexEntry e : reader.resourceGroupIndex()) {
      groups.add(new ResourceGroup(e, cache, glocks));
    }
    this.statfs = Statfs.open(reader, slot, jindex.size(), cache, glocks);
    this.allocator = new Allocator(groups, options.nodeName(), transactions, statfs);
    this.contents = new FileContents(device, allocator, transactions);
    this.xattrs = new Xattrs(cache, allocator);
    if (!options.readOnly() && module instanceof NolockModule) {
      modify(tx -> {
        statfs.foldEverySlot(tx);
        return null;
      });
      freeOrphans();
    }
    this.commitTimer = journal == null ? null : new CommitTimer(device.name(),
        Duration.ofSeconds(options.commitSeconds()), this::commitOnInterval);
    log.info("{}: mounted {} (journal {}, {}, {})", device.name(), sb.uuid(), slot,
        module.protocol(), options.readOnly() ? "read-only" : "read-write");
  }

  /**
   * Frees the inodes a crash left unlinked but allocated (open when their last link went). Safe
   * only under nolock, where no other node can hold them open; in a cluster, recovery of the dead
   * node's journal will do it once lockd says nobody holds them.
   */
  private void freeOrphans() throws IOException {
    for (ResourceGroup g : allocator.groups()) {
      g.load();
      for (long ino : g.unlinked()) {
        log.info("{}: freeing inode {}, unlinked while open when the last mount ended",
            device.name(), ino);
        toFree.add(ino);
      }
    }
    freeInStages();
  }

  /**
   * Frees the inodes queued in {@link #toFree}, each in as many transactions as its blocks need,
   * the shortened inode saved at the end of each (GFS2 truncates in stages the same way). Called
   * after the operation that dropped the last link or handle, outside it.
   */
  private void freeInStages() throws IOException {
    Long ino;
    while ((ino = toFree.poll()) != null) {
      long victim = ino;
      boolean done;
      do {
        done = modify(tx -> {
          Inode in = inode(victim);
          if (!contents.freeSome(in, tx)) {
            save(in, tx);
            return false;
          }
          freeNow(in, tx);
          return true;
        });
      } while (!done);
    }
  }

  /**
   * Before a truncate to {@code size} whose frees would not fit one journal transaction: frees the
   * file's tail runs in stages, each its own transaction that also lowers the size to where the
   * freed runs began, so that no stage leaves a block mapped past the end (GFS2 truncates in
   * stages the same way; a run too long for one stage is cut). The truncate itself then has only
   * the partial last block left to zero. A crash between stages leaves the file shorter than
   * before and longer than asked, as on ext4 without its orphan list.
   */
  private void shrinkInStages(long ino, long size, Caller caller) throws IOException {
    boolean done;
    do {
      done = modify(tx -> {
        Inode in = inode(ino);
        if (in.type() != FileType.REGULAR || size >= in.size
            || contents.truncatesInOneTransaction(in, size, tx)) {
          return true; // the truncate itself does it, and answers the errors
        }
        require(in, caller, W_OK);
        if (!contents.shrinkSome(in, size, tx)) {
          return true;
        }
        in.touchMtime();
        save(in, tx);
        return false;
      });
    } while (!done);
  }

  /** Frees every block of unlinked {@code in} inside {@code tx}. */
  private void freeNow(Inode in, FsTransaction tx) throws IOException {
    xattrs.freeAll(in, tx);
    directory(in).freeLeaves(tx, allocator);
    contents.freeAll(in, tx);
    synchronized (inodes) {
      inodes.remove(in.ino());
    }
  }

  /**
   * Frees unlinked {@code in} now when that fits one transaction, else marks it unlinked (it
   * stays so if a crash intervenes) and queues it for {@link #freeInStages}.
   */
  private void freeUnlinked(Inode in, FsTransaction tx) throws IOException {
    if (contents.freesInOneTransaction(in, tx)) {
      freeNow(in, tx);
    } else {
      allocator.groupOf(in.ino()).setDinodeState(tx, in.ino(), BlockState.UNLINKED);
      save(in, tx);
      toFree.add(in.ino());
    }
  }

  private LockModule lockModule(LockProtocol protocol) throws IOException {
    if (protocol == LockProtocol.NOLOCK) {
      return new NolockModule();
    }
    throw new IOException(device.name() + ": the filesystem uses lock protocol "
        + protocol.diskName() + ", which this build cannot mount yet; to mount it on this node"
        + " alone, with no other node mounting it, use -o lockproto=nolock");
  }

  /** What a glock demote does to this mount's caches. */
  private final class GlockOperations implements Glock.Operations {
    @Override
    public void sync(Glock glock) throws IOException {
      // runs under the operation lock, as every glock release here does
      transactions.commitAndWait();
      cache.writeBack();
    }

    @Override
    public void invalidate(Glock glock) {
      cache.invalidate(glock);
      LockName n = glock.name();
      if (n.type() == LockName.Type.INODE) {
        synchronized (inodes) {
          inodes.remove(n.number());
        }
      } else if (n.type() == LockName.Type.RESOURCE_GROUP) {
        for (ResourceGroup g : allocator.groups()) {
          if (g.index().address() == n.number()) {
            g.unload();
          }
        }
      }
    }
  }

  // ---- the operation frame ----

  @FunctionalInterface
  private interface Body<T> {
    T run(FsTransaction tx) throws IOException;
  }

  private <T> T modify(Body<T> body) throws IOException {
    return op(true, body);
  }

  private <T> T look(Body<T> body) throws IOException {
    return op(false, body);
  }

  private <T> T op(boolean modifies, Body<T> body) throws IOException {
    opLock.lock();
    try {
      checkAlive();
      if (modifies && options.readOnly()) {
        throw new FsException(Errno.EROFS, device.name() + " is mounted read-only");
      }
      boolean reads = !modifies && opLock.getHoldCount() == 1;
      FsTransaction tx = reads ? readTx : new FsTransaction();
      try {
        T result = body.run(tx);
        finish(tx);
        return result;
      } catch (FsException e) {
        // Operations check before they change: what an error leaves changed is consistent.
        finish(tx);
        throw e;
      } catch (IOException | RuntimeException e) {
        throw withdraw(e);
      } finally {
        if (reads) {
          readTx.clear();
        }
        releaseHeld();
      }
    } finally {
      shrinkCaches();
      opLock.unlock();
    }
  }

  private void finish(FsTransaction tx) throws FsException {
    if (tx.isEmpty()) {
      return;
    }
    if (journal == null) {
      throw withdraw(new IllegalStateException("a read-only mount tried to change metadata"));
    }
    transactions.join(tx);
  }

  private void commitOnInterval() {
    opLock.lock();
    try {
      if (!closed && withdrawn == null) {
        transactions.commitRunning();
      }
    } catch (RuntimeException e) {
      withdraw(e);
    } finally {
      opLock.unlock();
    }
  }

  private void releaseHeld() throws IOException {
    for (int i = held.size() - 1; i >= 0; i--) {
      held.get(i).release();
    }
    held.clear();
  }

  private void shrinkCaches() {
    cache.shrink();
    IOException refused = null;
    synchronized (inodes) {
      if (inodes.size() > CACHED_INODES) {
        Iterator<Inode> it = inodes.values().iterator();
        while (it.hasNext() && inodes.size() > CACHED_INODES / 8 * 7) {
          Inode in = it.next();
          if (in.openCount == 0 && in.ino() != sb.rootDinode()) {
            it.remove();
          }
        }
      }
      try {
        glocks.shrink(inodes::containsKey);
      } catch (IOException e) {
        refused = e;
      }
    }
    if (refused != null) {
      // The lock manager refused an unlock: its state and ours no longer agree.
      log.error("giving idle glocks back failed: {}", refused.getMessage(), refused);
      withdraw(refused);
    }
  }

  /** How many glocks the mount keeps now (bounded by {@link #CACHED_GLOCKS} and what is in use). */
  int glockCount() {
    return glocks.size();
  }

  private void checkAlive() throws FsException {
    FsException w = withdrawn;
    if (w != null) {
      throw new FsException(Errno.EIO, w.detail());
    }
    if (closed) {
      throw new FsException(Errno.EIO, device.name() + " is unmounted");
    }
  }

  /** Withdraws the mount after {@code cause}: no more writes; returns the EIO to throw. */
  private FsException withdraw(Throwable cause) {
    synchronized (this) {
      if (withdrawn == null) {
        String block = cause instanceof CorruptMetadataException c ? "block " + c.block() + ": "
            : "";
        withdrawn = new FsException(Errno.EIO, device.name() + ": filesystem withdrawn after "
            + (block.isEmpty() ? "an error: " : "finding corrupt metadata at ")
            + cause.getMessage() + "; this node writes nothing more to it; unmount, then run"
            + " fsck.gfsj " + device.name(), cause);
        log.error("{}", withdrawn.getMessage(), cause);
        if (journal != null) {
          journal.withdraw(cause);
        }
      }
      return new FsException(Errno.EIO, withdrawn.detail(), cause);
    }
  }

  // ---- inodes ----

  private void hold(Glock g) throws IOException {
    g.hold(LockMode.EX);
    held.add(g);
  }

  /** The inode numbered {@code ino}, under its glock; ESTALE if no inode lives there. */
  private Inode inode(long ino) throws IOException {
    Inode in;
    synchronized (inodes) {
      in = inodes.get(ino);
    }
    if (in != null) {
      // a cached inode names its glock: no lookup in the glock table. Held, it is still valid
      // unless a demote dropped it while this call waited for the glock.
      hold(in.glock());
      synchronized (inodes) {
        if (inodes.get(ino) == in) {
          return in;
        }
      }
    }
    Glock g = glocks.get(LockName.Type.INODE, ino);
    hold(g);
    synchronized (inodes) {
      in = inodes.get(ino);
    }
    if (in != null) {
      return in;
    }
    ResourceGroup group = null;
    for (ResourceGroup rg : allocator.groups()) {
      if (rg.contains(ino)) {
        group = rg;
      }
    }
    if (group == null) {
      throw new FsException(Errno.ESTALE, "inode " + ino + " does not exist");
    }
    group.load();
    BlockState state = group.state(ino);
    if (state != BlockState.DINODE && state != BlockState.UNLINKED) {
      throw new FsException(Errno.ESTALE, "inode " + ino + " does not exist (block is "
          + state.name().toLowerCase() + ")");
    }
    in = Inode.load(ino, g, cache);
    synchronized (inodes) {
      inodes.put(ino, in);
    }
    return in;
  }

  private Inode directoryInode(long ino) throws IOException {
    Inode in = inode(ino);
    if (!in.isDirectory()) {
      throw new FsException(Errno.ENOTDIR, "inode " + ino + " is not a directory");
    }
    return in;
  }

  private Directory directory(Inode dir) {
    if (dir.directory == null) {
      dir.directory = new Directory(dir, cache);
    }
    return dir.directory;
  }

  private void save(Inode in, FsTransaction tx) throws IOException {
    in.save(tx, cache, allocator);
  }

  private static void checkName(String name) throws FsException {
    int len = name.getBytes(StandardCharsets.UTF_8).length;
    if (len == 0) {
      throw new FsException(Errno.ENOENT, "empty name");
    }
    if (len > DirectoryEntry.MAX_NAME) {
      throw new FsException(Errno.ENAMETOOLONG, "name of " + len + " bytes: at most "
          + DirectoryEntry.MAX_NAME);
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new FsException(Errno.EINVAL, "name '" + name + "' holds '/' or NUL");
    }
  }

  private static boolean isDot(String name) {
    return name.equals(".") || name.equals("..");
  }

  private static void require(Inode in, Caller caller, int mask) throws FsException {
    if (!in.permits(caller, mask)) {
      throw new FsException(Errno.EACCES, caller + " may not " + what(mask) + " inode "
          + in.ino());
    }
  }

  private static String what(int mask) {
    return ((mask & R_OK) != 0 ? "read " : "") + ((mask & W_OK) != 0 ? "write " : "")
        + ((mask & X_OK) != 0 ? "search/execute " : "");
  }

  /** The sticky-directory rule: only the owner of the entry or of the directory, or root. */
  private static void stickyCheck(Inode dir, Inode victim, Caller caller) throws FsException {
    if ((dir.mode & Inode.S_ISVTX) != 0 && !caller.isRoot() && caller.uid() != dir.uid
        && caller.uid() != victim.uid) {
      throw new FsException(Errno.EPERM, caller + " may not remove or replace another user's"
          + " entry in sticky directory " + dir.ino());
    }
  }

  private Attributes attributes(Inode in) {
    return in.attributes(bs);
  }

  // ---- Vfs: names ----

  @Override
  public long root() {
    return sb.rootDinode();
  }

  @Override
  public UUID uuid() {
    return sb.uuid();
  }

  @Override
  public boolean soleWriter() {
    return soleWriter;
  }

  @Override
  public Attributes getattr(long ino) throws IOException {
    return look(tx -> attributes(inode(ino)));
  }

  @Override
  public Attributes lookup(long dir, String name, Caller caller) throws IOException {
    return look(tx -> {
      Inode d = directoryInode(dir);
      checkName(name);
      require(d, caller, X_OK);
      Directory.Entry e = directory(d).lookup(name);
      if (e == null) {
        throw new FsException(Errno.ENOENT, "no '" + name + "' in directory " + dir);
      }
      return attributes(inode(e.ino()));
    });
  }

  @Override
  public void access(long ino, int mask, Caller caller) throws IOException {
    look(tx -> {
      Inode in = inode(ino);
      if ((mask & W_OK) != 0 && options.readOnly()) {
        throw new FsException(Errno.EROFS, device.name() + " is mounted read-only");
      }
      require(in, caller, mask & 7);
      return null;
    });
  }

  /** Checks that {@code name} can be made in {@code d} by {@code caller}. */
  private void checkNew(Inode d, String name, Caller caller) throws IOException {
    checkName(name);
    require(d, caller, W_OK | X_OK);
    if (isDot(name) || directory(d).lookup(name) != null) {
      throw new FsException(Errno.EEXIST, "'" + name + "' exists in directory " + d.ino());
    }
    if (d.nlink == 0) {
      throw new FsException(Errno.ENOENT, "directory " + d.ino() + " was removed");
    }
  }

  /** Makes a new inode named {@code name} in {@code d}; the caller checked with checkNew. */
  private Inode makeInode(Inode d, String name, int mode, Caller caller, FsTransaction tx)
      throws IOException {
    // the dinode, directory growth, and the attribute block of inherited ACLs
    allocator.reserve((d.defaultAcl == null ? 4 : 5) + directory(d).blocksToAdd(name), tx);
    long[] generation = new long[1];
    Allocator.Run r = allocator.dinode(tx, d.ino() + 1, generation);
    int gid = caller.gid();
    FileType type = FileType.ofMode(mode);
    if ((d.mode & Inode.S_ISGID) != 0) {
      gid = d.gid;
      if (type == FileType.DIRECTORY) {
        mode |= Inode.S_ISGID;
      }
    }
    Glock g = glocks.get(LockName.Type.INODE, r.start());
    hold(g);
    cache.fresh(r.start(), g);
    Inode in = Inode.create(r.start(), generation[0], mode, caller.uid(), gid, g, bs);
    xattrs.inherit(d, in, caller.umask(), tx);
    synchronized (inodes) {
      inodes.put(in.ino(), in);
    }
    directory(d).add(name, in.ino(), type, tx, allocator);
    d.touchMtime();
    return in;
  }

  @Override
  public Attributes mknod(long dir, String name, int mode, long rdev, Caller caller)
      throws IOException {
    return modify(tx -> {
      Inode d = directoryInode(dir);
      checkNew(d, name, caller);
      FileType type = (mode & FileType.S_IFMT) == 0 ? FileType.REGULAR : FileType.ofMode(mode);
      if (type == null || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
        throw new FsException(Errno.EINVAL, "mknod of mode 0" + Integer.toOctalString(mode));
      }
      boolean device = type == FileType.CHARACTER_DEVICE || type == FileType.BLOCK_DEVICE;
      if (device && !caller.isRoot()) {
        throw new FsException(Errno.EPERM, caller + " may not make device nodes");
      }
      Inode in = makeInode(d, name, type.modeBits() | (mode & 07777), caller, tx);
      if (device) {
        in.rdev(rdev);
      }
      save(in, tx);
      save(d, tx);
      return attributes(in);
    });
  }

  @Override
  public Attributes mkdir(long dir, String name, int mode, Caller caller) throws IOException {
    return modify(tx -> {
      Inode d = directoryInode(dir);
      checkNew(d, name, caller);
      if (d.nlink >= MAX_LINKS) {
        throw new FsException(Errno.EMLINK, "directory " + dir + " has too many subdirectories");
      }
      Inode in = makeInode(d, name, FileType.DIRECTORY.modeBits() | (mode & 07777), caller, tx);
      DirectoryEntry.writeLinear(List.of(
          new DirectoryEntry(".", in.ino(), FileType.DIRECTORY),
          new DirectoryEntry("..", d.ino(), FileType.DIRECTORY)), ByteBuffer.wrap(in.stuffed));
      in.nlink = 2;
      in.entries = 2;
      in.size = bs;
      d.nlink++;
      save(in, tx);
      save(d, tx);
      return attributes(in);
    });
  }

  @Override
  public Attributes symlink(long dir, String name, String target, Caller caller)
      throws IOException {
    return modify(tx -> {
      byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
      if (bytes.length == 0) {
        throw new FsException(Errno.ENOENT, "empty symlink target");
      }
      if (bytes.length > MAX_SYMLINK) {
        throw new FsException(Errno.ENAMETOOLONG, "symlink target of " + bytes.length
            + " bytes: at most " + MAX_SYMLINK);
      }
      Inode d = directoryInode(dir);
      checkNew(d, name, caller);
      allocator.reserve(6, tx);
      Inode in = makeInode(d, name, FileType.SYMLINK.modeBits() | 0777, caller, tx);
      contents.write(in, 0, ByteBuffer.wrap(bytes), tx);
      save(in, tx);
      save(d, tx);
      return attributes(in);
    });
  }

  @Override
  public String readlink(long ino, Caller caller) throws IOException {
    return look(tx -> {
      Inode in = inode(ino);
      if (in.type() != FileType.SYMLINK) {
        throw new FsException(Errno.EINVAL, "inode " + ino + " is not a symlink");
      }
      ByteBuffer b = ByteBuffer.allocate((int) in.size);
      contents.read(in, 0, b);
      return new String(b.array(), StandardCharsets.UTF_8);
    });
  }

  @Override
  public Attributes link(long ino, long dir, String name, Caller caller) throws IOException {
    return modify(tx -> {
      Inode d = directoryInode(dir);
      Inode in = inode(ino);
      if (in.isDirectory()) {
        throw new FsException(Errno.EPERM, "hard links to directories are not allowed");
      }
      if (in.nlink == 0) {
        throw new FsException(Errno.ENOENT, "inode " + ino + " was removed");
      }
      if (in.nlink >= MAX_LINKS) {
        throw new FsException(Errno.EMLINK, "inode " + ino + " has " + in.nlink + " links");
      }
      checkNew(d, name, caller);
      allocator.reserve(3 + directory(d).blocksToAdd(name), tx);
      directory(d).add(name, ino, in.type(), tx, allocator);
      d.touchMtime();
      in.nlink++;
      in.touchCtime();
      save(d, tx);
      save(in, tx);
      return attributes(in);
    });
  }

  @Override
  public void unlink(long dir, String name, Caller caller) throws IOException {
    modify(tx -> {
      Inode d = directoryInode(dir);
      checkName(name);
      require(d, caller, W_OK | X_OK);
      Directory.Entry e = directory(d).lookup(name);
      if (e == null) {
        throw new FsException(Errno.ENOENT, "no '" + name + "' in directory " + dir);
      }
      Inode victim = inode(e.ino());
      if (victim.isDirectory()) {
        throw new FsException(Errno.EISDIR, "'" + name + "' is a directory; use rmdir");
      }
      stickyCheck(d, victim, caller);
      directory(d).remove(name, tx);
      d.touchMtime();
      save(d, tx);
      dropLink(victim, tx);
      return null;
    });
    freeInStages();
  }

  @Override
  public void rmdir(long dir, String name, Caller caller) throws IOException {
    modify(tx -> {
      Inode d = directoryInode(dir);
      checkName(name);
      if (name.equals(".")) {
        throw new FsException(Errno.EINVAL, "rmdir of '.'");
      }
      if (name.equals("..")) {
        throw new FsException(Errno.ENOTEMPTY, "rmdir of '..'");
      }
      require(d, caller, W_OK | X_OK);
      Directory.Entry e = directory(d).lookup(name);
      if (e == null) {
        throw new FsException(Errno.ENOENT, "no '" + name + "' in directory " + dir);
      }
      Inode victim = inode(e.ino());
      if (!victim.isDirectory()) {
        throw new FsException(Errno.ENOTDIR, "'" + name + "' is not a directory");
      }
      if (directory(victim).entryCount() > 2) {
        throw new FsException(Errno.ENOTEMPTY, "directory '" + name + "' is not empty");
      }
      stickyCheck(d, victim, caller);
      directory(d).remove(name, tx);
      d.nlink--;
      d.touchMtime();
      save(d, tx);
      removeDirectory(victim, tx);
      return null;
    });
    freeInStages();
  }

  /** Drops one link of a non-directory; frees it when none are left and no handle holds it. */
  private void dropLink(Inode in, FsTransaction tx) throws IOException {
    in.nlink--;
    in.touchCtime();
    if (in.nlink > 0) {
      save(in, tx);
    } else {
      orphan(in, tx);
    }
  }

  private void removeDirectory(Inode in, FsTransaction tx) throws IOException {
    in.nlink = 0;
    in.touchCtime();
    orphan(in, tx);
  }

  /** An inode with no links: freed now, or marked unlinked until its last handle goes. */
  private void orphan(Inode in, FsTransaction tx) throws IOException {
    if (in.openCount > 0) {
      allocator.groupOf(in.ino()).setDinodeState(tx, in.ino(), BlockState.UNLINKED);
      save(in, tx);
      return;
    }
    freeUnlinked(in, tx);
  }

  /** Whether {@code ancestor} is {@code dir} or a directory above it. */
  private boolean isAncestor(Inode ancestor, Inode dir) throws IOException {
    Inode at = dir;
    for (int depth = 0; ; depth++) {
      if (at.ino() == ancestor.ino()) {
        return true;
      }
      if (at.ino() == sb.rootDinode()) {
        return false;
      }
      Directory.Entry up = directory(at).lookup("..");
      if (up == null || depth > 1_000_000) {
        throw new CorruptMetadataException(at.ino(), "directory has no way up to the root");
      }
      at = directoryInode(up.ino());
    }
  }

  @Override
  public void rename(long fromDir, String fromName, long toDir, String toName, int flags,
      Caller caller) throws IOException {
    modify(tx -> {
      if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
          || flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
        throw new FsException(Errno.EINVAL, "rename flags " + flags);
      }
      hold(glocks.get(LockName.Type.RENAME, 0));
      Inode fd = directoryInode(fromDir);
      Inode td = directoryInode(toDir);
      checkName(fromName);
      checkName(toName);
      if (isDot(fromName) || isDot(toName)) {
        throw new FsException(Errno.EBUSY, "rename of '.' or '..'");
      }
      require(fd, caller, W_OK | X_OK);
      require(td, caller, W_OK | X_OK);
      Directory.Entry se = directory(fd).lookup(fromName);
      if (se == null) {
        throw new FsException(Errno.ENOENT, "no '" + fromName + "' in directory " + fromDir);
      }
      Directory.Entry te = directory(td).lookup(toName);
      if ((flags & RENAME_EXCHANGE) != 0 && te == null) {
        throw new FsException(Errno.ENOENT, "no '" + toName + "' in directory " + toDir
            + " to exchange with");
      }
      if ((flags & RENAME_NOREPLACE) != 0 && te != null) {
        throw new FsException(Errno.EEXIST, "'" + toName + "' exists in directory " + toDir);
      }
      Inode src = inode(se.ino());
      Inode dst = te == null ? null : inode(te.ino());
      if (dst != null && dst.ino() == src.ino()) {
        return null;
      }
      stickyCheck(fd, src, caller);
      if (dst != null) {
        stickyCheck(td, dst, caller);
      }
      boolean moves = fd.ino() != td.ino();
      if ((flags & RENAME_EXCHANGE) != 0) {
        exchange(fd, fromName, src, td, toName, dst, moves, caller, tx);
        return null;
      }
      // As Linux's do_renameat2: the source may not be above the target's directory (EINVAL),
      // and the target may not be above the source's (ENOTEMPTY), before any type check.
      if (src.isDirectory() && moves) {
        checkMove(src, td, caller);
      }
      if (dst != null && dst.isDirectory() && moves && isAncestor(dst, fd)) {
        throw new FsException(Errno.ENOTEMPTY, "'" + toName + "' is above '" + fromName + "'");
      }
      if (dst != null) {
        if (src.isDirectory() && !dst.isDirectory()) {
          throw new FsException(Errno.ENOTDIR, "'" + toName + "' is not a directory");
        }
        if (!src.isDirectory() && dst.isDirectory()) {
          throw new FsException(Errno.EISDIR, "'" + toName + "' is a directory");
        }
        if (dst.isDirectory() && directory(dst).entryCount() > 2) {
          throw new FsException(Errno.ENOTEMPTY, "directory '" + toName + "' is not empty");
        }
      }
      allocator.reserve(3 + (dst == null ? directory(td).blocksToAdd(toName) : 0), tx);
      if (dst != null) {
        directory(td).replace(toName, src.ino(), src.type(), tx);
      } else {
        directory(td).add(toName, src.ino(), src.type(), tx, allocator);
      }
      directory(fd).remove(fromName, tx);
      if (src.isDirectory() && moves) {
        directory(src).replace("..", td.ino(), FileType.DIRECTORY, tx);
        fd.nlink--;
        td.nlink++;
      }
      if (dst != null) {
        if (dst.isDirectory()) {
          td.nlink--;
          removeDirectory(dst, tx);
        } else {
          dropLink(dst, tx);
        }
      }
      src.touchCtime();
      fd.touchMtime();
      td.touchMtime();
      save(src, tx);
      save(fd, tx);
      if (moves) {
        save(td, tx);
      }
      return null;
    });
    freeInStages();
  }

  /** A directory may move only where it is not its own ancestor, and needs write on itself. */
  private void checkMove(Inode dir, Inode newParent, Caller caller) throws IOException {
    if (isAncestor(dir, newParent)) {
      throw new FsException(Errno.EINVAL, "cannot move directory " + dir.ino()
          + " into itself or below it");
    }
    require(dir, caller, W_OK);
  }

  private void exchange(Inode fd, String fromName, Inode src, Inode td, String toName, Inode dst,
      boolean moves, Caller caller, FsTransaction tx) throws IOException {
    if (moves) {
      if (src.isDirectory()) {
        checkMove(src, td, caller);
      }
      if (dst.isDirectory()) {
        checkMove(dst, fd, caller);
      }
    }
    directory(fd).replace(fromName, dst.ino(), dst.type(), tx);
    directory(td).replace(toName, src.ino(), src.type(), tx);
    if (moves) {
      if (src.isDirectory()) {
        directory(src).replace("..", td.ino(), FileType.DIRECTORY, tx);
        fd.nlink--;
        td.nlink++;
      }
      if (dst.isDirectory()) {
        directory(dst).replace("..", fd.ino(), FileType.DIRECTORY, tx);
        td.nlink--;
        fd.nlink++;
      }
    }
    src.touchCtime();
    dst.touchCtime();
    fd.touchMtime();
    td.touchMtime();
    save(src, tx);
    save(dst, tx);
    save(fd, tx);
    if (moves) {
      save(td, tx);
    }
  }

  // ---- Vfs: attributes ----

  @Override
  public Attributes setattr(long ino, SetAttributes changes, Caller caller) throws IOException {
    if (changes.size() != null && changes.size() >= 0) {
      shrinkInStages(ino, changes.size(), caller);
    }
    return modify(tx -> {
      Inode in = inode(ino);
      boolean owner = caller.isRoot() || caller.uid() == in.uid;
      Timestamp now = Inode.now();
      if (changes.mode() != null) {
        if (!owner) {
          throw new FsException(Errno.EPERM, caller + " does not own inode " + ino);
        }
        int mode = changes.mode() & 07777;
        if (!caller.isRoot() && !caller.inGroup(in.gid)) {
          mode &= ~Inode.S_ISGID;
        }
        in.mode = (in.mode & FileType.S_IFMT) | mode;
        xattrs.modeChanged(in, tx);
      }
      if (changes.uid() != null || changes.gid() != null) {
        int uid = changes.uid() == null ? in.uid : changes.uid();
        int gid = changes.gid() == null ? in.gid : changes.gid();
        if (!caller.isRoot() && (uid != in.uid || caller.uid() != in.uid
            || (gid != in.gid && !caller.inGroup(gid)))) {
          throw new FsException(Errno.EPERM, caller + " may not give inode " + ino
              + " to uid " + uid + " gid " + gid);
        }
        in.uid = uid;
        in.gid = gid;
        if (!in.isDirectory()) {
          in.mode &= ~Inode.S_ISUID;
          if ((in.mode & 010) != 0) {
            in.mode &= ~Inode.S_ISGID;
          }
        }
      }
      if (changes.size() != null) {
        if (in.isDirectory()) {
          throw new FsException(Errno.EISDIR, "inode " + ino + " is a directory");
        }
        if (in.type() != FileType.REGULAR) {
          throw new FsException(Errno.EINVAL, "truncate of a non-regular file");
        }
        if (changes.size() < 0) {
          throw new FsException(Errno.EINVAL, "negative size " + changes.size());
        }
        require(in, caller, W_OK);
        allocator.reserve(4, tx);
        contents.truncate(in, changes.size(), tx);
        in.mtime = now;
      }
      if (changes.atimeNanos() != null || changes.mtimeNanos() != null) {
        boolean toNow = (changes.atimeNanos() == null || changes.atimeNanos() == SetAttributes.NOW)
            && (changes.mtimeNanos() == null || changes.mtimeNanos() == SetAttributes.NOW);
        if (!owner && !(toNow && in.permits(caller, W_OK))) {
          throw new FsException(toNow ? Errno.EACCES : Errno.EPERM, caller
              + " may not set the times of inode " + ino);
        }
        if (changes.atimeNanos() != null) {
          in.atime = changes.atimeNanos() == SetAttributes.NOW ? now
              : Inode.timestamp(changes.atimeNanos());
        }
        if (changes.mtimeNanos() != null) {
          in.mtime = changes.mtimeNanos() == SetAttributes.NOW ? now
              : Inode.timestamp(changes.mtimeNanos());
        }
      }
      in.ctime = now;
      save(in, tx);
      return attributes(in);
    });
  }

  // ---- Vfs: open files ----

  @Override
  public long open(long ino, int flags, Caller caller) throws IOException {
    boolean writes = (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY
        || (flags & OpenFlags.O_TRUNC) != 0;
    return op(writes, tx -> openInode(inode(ino), flags, caller, tx));
  }

  private long openInode(Inode in, int flags, Caller caller, FsTransaction tx)
      throws IOException {
    int acc = flags & OpenFlags.O_ACCMODE;
    int mask = acc == OpenFlags.O_RDONLY ? R_OK : acc == OpenFlags.O_WRONLY ? W_OK : R_OK | W_OK;
    if (in.type() == FileType.SYMLINK) {
      throw new FsException(Errno.ELOOP, "inode " + in.ino() + " is a symlink");
    }
    if (in.isDirectory() && acc != OpenFlags.O_RDONLY) {
      throw new FsException(Errno.EISDIR, "inode " + in.ino() + " is a directory");
    }
    require(in, caller, mask);
    if ((flags & OpenFlags.O_TRUNC) != 0 && acc != OpenFlags.O_RDONLY
        && in.type() == FileType.REGULAR && in.size > 0) {
      contents.truncate(in, 0, tx);
      in.touchMtime();
      save(in, tx);
    }
    long handle = nextHandle++;
    handles.put(handle, new OpenFile(in.ino(), flags));
    in.openCount++;
    return handle;
  }

  @Override
  public Created create(long dir, String name, int mode, int flags, Caller caller)
      throws IOException {
    return modify(tx -> {
      Inode d = directoryInode(dir);
      checkName(name);
      require(d, caller, X_OK);
      Directory.Entry e = isDot(name) ? null : directory(d).lookup(name);
      if (e != null || isDot(name)) {
        if ((flags & OpenFlags.O_EXCL) != 0) {
          throw new FsException(Errno.EEXIST, "'" + name + "' exists in directory " + dir);
        }
        Inode in = inode(e == null ? d.ino() : e.ino());
        long handle = openInode(in, flags, caller, tx);
        return new Created(attributes(in), handle);
      }
      checkNew(d, name, caller);
      Inode in = makeInode(d, name, FileType.REGULAR.modeBits() | (mode & 07777), caller, tx);
      save(in, tx);
      save(d, tx);
      long handle = nextHandle++;
      handles.put(handle, new OpenFile(in.ino(), flags & ~OpenFlags.O_TRUNC));
      in.openCount++;
      return new Created(attributes(in), handle);
    });
  }

  private OpenFile handle(long ino, long handle) throws FsException {
    if (handle == NO_HANDLE) {
      return null;
    }
    OpenFile f = handles.get(handle);
    if (f == null || f.ino() != ino) {
      throw new FsException(Errno.EBADF, "no open handle " + handle + " on inode " + ino);
    }
    return f;
  }

  @Override
  public int read(long ino, long handle, long offset, ByteBuffer dst) throws IOException {
    return look(tx -> {
      Inode in = inode(ino);
      OpenFile f = handle(ino, handle);
      if (f != null && !f.readable()) {
        throw new FsException(Errno.EBADF, "handle " + handle + " is not open for reading");
      }
      if (in.isDirectory()) {
        throw new FsException(Errno.EISDIR, "inode " + ino + " is a directory");
      }
      if (offset < 0) {
        throw new FsException(Errno.EINVAL, "negative offset " + offset);
      }
      int n = contents.read(in, offset, dst);
      if (wantsAtime(in, f)) {
        in.atime = Inode.now();
        save(in, tx);
      }
      return n;
    });
  }

  /** Whether a read should update the access time under the mount's atime rule. */
  private boolean wantsAtime(Inode in, OpenFile f) {
    if (options.readOnly() || options.atime() == MountOptions.Atime.NOATIME
        || (f != null && (f.flags() & OpenFlags.O_NOATIME) != 0)) {
      return false;
    }
    if (options.atime() == MountOptions.Atime.STRICTATIME) {
      return true;
    }
    long atime = Inode.nanos(in.atime);
    return atime <= Inode.nanos(in.mtime) || atime <= Inode.nanos(in.ctime)
        || Inode.nanos(Inode.now()) - atime >= DAY_NANOS;
  }

  @Override
  public int write(long ino, long handle, long offset, ByteBuffer src, Caller caller)
      throws IOException {
    return modify(tx -> {
      Inode in = inode(ino);
      OpenFile f = handle(ino, handle);
      if (f != null && !f.writable()) {
        throw new FsException(Errno.EBADF, "handle " + handle + " is not open for writing");
      }
      if (f == null) {
        require(in, caller, W_OK);
      }
      if (in.isDirectory()) {
        throw new FsException(Errno.EISDIR, "inode " + ino + " is a directory");
      }
      if (offset < 0) {
        throw new FsException(Errno.EINVAL, "negative offset " + offset);
      }
      long at = f != null && (f.flags() & OpenFlags.O_APPEND) != 0 ? in.size : offset;
      allocator.reserve(contents.blocksNeeded(in, at, src.remaining()), tx);
      int n = contents.write(in, at, src, tx);
      in.touchMtime();
      if (!caller.isRoot()) {
        in.mode &= ~Inode.S_ISUID;
        if ((in.mode & 010) != 0) {
          in.mode &= ~Inode.S_ISGID;
        }
      }
      save(in, tx);
      return n;
    });
  }

  @Override
  public void fsync(long ino, long handle, boolean dataOnly) throws IOException {
    look(tx -> handle(ino, handle));
    sync();
  }

  @Override
  public void release(long ino, long handle) throws IOException {
    op(!options.readOnly(), tx -> {
      OpenFile f = handle(ino, handle);
      if (f == null) {
        return null;
      }
      handles.remove(handle);
      locks.released(ino, handle);
      Inode in = inode(ino);
      in.openCount--;
      if (in.openCount == 0 && in.nlink == 0) {
        freeUnlinked(in, tx);
      }
      return null;
    });
    freeInStages();
  }

  /**
   * fallocate(2). Allocating a range over many resource groups changes more bitmap blocks than
   * one journal transaction takes, so it goes in stages, each its own transaction that maps the
   * range further from its start and, without KEEP_SIZE, raises the size to what is mapped (as a
   * truncate down lowers it in stages): a crash between stages leaves the file longer than before
   * and shorter than asked, its blocks counted.
   */
  @Override
  public void fallocate(long ino, int mode, long offset, long length, Caller caller)
      throws IOException {
    fallocate(ino, NO_HANDLE, mode, offset, length, caller);
  }

  @Override
  public void fallocate(long ino, long handle, int mode, long offset, long length,
      Caller caller) throws IOException {
    boolean done = modify(tx -> fallocateStage(ino, handle, mode, offset, length, caller, true,
        tx));
    while (!done) {
      done = modify(tx -> fallocateStage(ino, handle, mode, offset, length, caller, false, tx));
    }
  }

  /**
   * One transaction's worth of fallocate; {@code first} for the first, which alone zeroes a
   * ZERO_RANGE's mapped blocks (later stages only give its holes blocks, so that data written
   * into the range between stages stays).
   */
  private boolean fallocateStage(long ino, long handle, int mode, long offset, long length,
      Caller caller, boolean first, FsTransaction tx) throws IOException {
    Inode in = inode(ino);
    OpenFile f = handle(ino, handle);
    if (f != null && !f.writable()) {
      throw new FsException(Errno.EBADF, "handle " + handle + " is not open for writing");
    }
    if (offset < 0 || length <= 0) {
      throw new FsException(Errno.EINVAL, "fallocate of " + length + " bytes at " + offset);
    }
    if ((mode & (FALLOC_COLLAPSE_RANGE | FALLOC_INSERT_RANGE)) != 0
        || (mode & ~(FALLOC_KEEP_SIZE | FALLOC_PUNCH_HOLE | FALLOC_ZERO_RANGE)) != 0) {
      throw new FsException(Errno.EOPNOTSUPP, "fallocate mode 0x" + Integer.toHexString(mode));
    }
    boolean punch = (mode & FALLOC_PUNCH_HOLE) != 0;
    boolean zero = (mode & FALLOC_ZERO_RANGE) != 0;
    boolean keepSize = (mode & FALLOC_KEEP_SIZE) != 0;
    if ((punch && !keepSize) || (punch && zero)) {
      throw new FsException(Errno.EINVAL, "PUNCH_HOLE goes with KEEP_SIZE alone");
    }
    if (in.isDirectory()) {
      throw new FsException(Errno.EISDIR, "inode " + ino + " is a directory");
    }
    if (in.type() != FileType.REGULAR) {
      throw new FsException(Errno.ENODEV, "fallocate of a non-regular file");
    }
    if (f == null) {
      require(in, caller, W_OK);
    }
    long end = offset + length;
    if (end < 0 || end > FileContents.MAX_SIZE) {
      throw new FsException(Errno.EFBIG, "fallocate past the largest file");
    }
    if (punch) {
      allocator.reserve(4, tx);
      contents.punch(in, offset, length, tx);
    } else {
      allocator.reserve(contents.allocateNeeds(in, offset, length), tx);
      if (zero && first) {
        contents.zeroKeepingBlocks(in, offset, length);
      }
      long mapped = contents.allocateSome(in, offset, length, tx);
      if (mapped < end) {
        if (!keepSize) {
          in.size = Math.max(in.size, mapped);
        }
        save(in, tx);
        return false;
      }
    }
    if (!keepSize && end > in.size) {
      in.size = end;
    }
    in.touchMtime();
    save(in, tx);
    return true;
  }

  // ---- Vfs: advisory locks ----

  @Override
  public ByteRangeLock getlk(long ino, long handle, ByteRangeLock wanted) throws IOException {
    look(tx -> handle(ino, handle));
    return locks.test(ino, wanted);
  }

  @Override
  public void setlk(long ino, long handle, ByteRangeLock lock, boolean wait) throws IOException {
    OpenFile f = look(tx -> {
      inode(ino);
      return handle(ino, handle);
    });
    if (f != null && ((lock.type() == F_WRLCK && !f.writable())
        || (lock.type() == F_RDLCK && !f.readable()))) {
      throw new FsException(Errno.EBADF, "handle " + handle + " is not open for that lock");
    }
    // Waiting happens outside the operation lock: other calls go on meanwhile.
    locks.set(ino, lock, wait);
  }

  @Override
  public void flock(long ino, long handle, int operation) throws IOException {
    look(tx -> {
      inode(ino);
      return handle(ino, handle);
    });
    locks.flock(ino, handle, operation);
  }

  // ---- Vfs: directories ----

  @Override
  public List<DirectoryEntryView> readdir(long dir, long cookie, int max, Caller caller)
      throws IOException {
    return look(tx -> {
      Inode d = directoryInode(dir);
      require(d, caller, R_OK);
      if (cookie < 0) {
        throw new FsException(Errno.EINVAL, "negative readdir cookie " + cookie);
      }
      List<DirectoryEntryView> out = new ArrayList<>();
      for (Directory.Entry e : directory(d).list(cookie, max)) {
        out.add(new DirectoryEntryView(e.name(), e.ino(), e.type(), e.position() + 1));
      }
      return out;
    });
  }

  @Override
  public FsStatistics statfs() throws IOException {
    return look(tx -> {
      StatfsChange s = statfs.totals();
      return new FsStatistics(bs, s.total(), s.free(), s.free(), s.dinodes() + s.free(),
          s.free(), DirectoryEntry.MAX_NAME);
    });
  }

  // ---- Vfs: extended attributes ----

  @Override
  public byte[] getxattr(long ino, String name, Caller caller) throws IOException {
    return look(tx -> xattrs.get(inode(ino), name, caller));
  }

  @Override
  public void setxattr(long ino, String name, byte[] value, int flags, Caller caller)
      throws IOException {
    modify(tx -> {
      Inode in = inode(ino);
      xattrs.set(in, name, value, flags, caller, tx);
      in.touchCtime();
      save(in, tx);
      return null;
    });
  }

  @Override
  public List<String> listxattr(long ino, Caller caller) throws IOException {
    return look(tx -> xattrs.list(inode(ino), caller));
  }

  @Override
  public void removexattr(long ino, String name, Caller caller) throws IOException {
    modify(tx -> {
      Inode in = inode(ino);
      xattrs.remove(in, name, caller, tx);
      in.touchCtime();
      save(in, tx);
      return null;
    });
  }

  // ---- durability and unmount ----

  @Override
  public void sync() throws IOException {
    look(tx -> {
      transactions.commitRunning();
      return null;
    });
    try {
      transactions.waitForCommits();
      device.flush();
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw withdraw(e);
    }
    checkAlive();
  }

  /** The journal slot this mount writes. */
  public int journalSlot() {
    return slot;
  }

  @Override
  public void close() throws IOException {
    opLock.lock();
    try {
      if (closed) {
        return;
      }
      IOException failure = null;
      try {
        if (withdrawn == null) {
          for (Map.Entry<Long, OpenFile> h : new ArrayList<>(handles.entrySet())) {
            release(h.getValue().ino(), h.getKey());
          }
          if (journal != null) {
            modify(tx -> {
              statfs.fold(tx);
              return null;
            });
          }
          transactions.commitAndWait();
          cache.writeBack();
        }
        if (journal != null) {
          journal.close();
        }
      } catch (IOException e) {
        failure = e;
      } finally {
        closed = true;
        if (commitTimer != null) {
          commitTimer.close();
        }
        glocks.dropAll();
        device.close();
      }
      if (withdrawn != null) {
        log.warn("{}: unmounted after a withdraw; the journal keeps what was committed for the"
            + " next mount to replay; run fsck.gfsj {}", device.name(), device.name());
      } else if (failure != null) {
        throw failure;
      } else {
        log.info("{}: unmounted clean", device.name());
      }
    } finally {
      opLock.unlock();
    }
  }
}
