package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockModule;
import org.gfsj.fs.lock.LockName;
import org.junit.jupiter.api.Test;

/** A glock's life under a lock module that another node contends on. */
class GlockTest {
  /** Grants everything, records every request, lets the test play the other node. */
  private static final class RecordingModule implements LockModule {
    final List<String> log = new ArrayList<>();
    Callbacks callbacks;

    @Override
    public String protocol() {
      return "recording";
    }

    @Override
    public void start(Callbacks c) {
      callbacks = c;
    }

    @Override
    public CompletableFuture<LockMode> request(LockName name, LockMode mode, boolean tryOnly) {
      log.add("request " + name + " " + mode);
      return CompletableFuture.completedFuture(mode);
    }

    @Override
    public void close() {
      log.add("close");
    }
  }

  private static final int MOST = 8;
  private final RecordingModule module = new RecordingModule();
  private final Glocks glocks = new Glocks(module, new Glock.Operations() {
    @Override
    public void sync(Glock g) {
      module.log.add("sync " + g.name());
    }

    @Override
    public void invalidate(Glock g) {
      module.log.add("invalidate " + g.name());
    }
  }, MOST);

  @Test
  void keptAfterUseAndDemotedOnlyWhenAnotherNodeAsks() throws Exception {
    Glock g = glocks.get(LockName.Type.INODE, 42);
    g.hold(LockMode.EX);
    g.release();
    g.hold(LockMode.SH);
    g.release();
    assertEquals(List.of("request inode:42 EX"), module.log, "cached: one request for both");

    g.hold(LockMode.EX);
    module.callbacks.blocking(g.name(), LockMode.EX);
    assertEquals(1, module.log.size(), "a demote waits for the local holder");
    g.release();
    assertEquals(List.of("request inode:42 EX", "sync inode:42", "invalidate inode:42",
        "request inode:42 UN"), module.log);
    assertEquals(LockMode.UN, g.mode());
  }

  @Test
  void anotherReaderLeavesUsShared() throws Exception {
    Glock g = glocks.get(LockName.Type.RESOURCE_GROUP, 17);
    g.hold(LockMode.EX);
    g.release();
    module.callbacks.blocking(g.name(), LockMode.SH);
    assertEquals(List.of("request resource_group:17 EX", "sync resource_group:17",
        "request resource_group:17 SH"), module.log, "written back, cache kept, shared");
    g.hold(LockMode.SH);
    g.release();
    assertEquals(3, module.log.size());
  }

  @Test
  void idleInodeGlocksAreGivenBackAboveTheBoundAndUsedOnesKept() throws Exception {
    Glock held = glocks.get(LockName.Type.INODE, 1);
    held.hold(LockMode.EX);
    Glock covering = glocks.get(LockName.Type.INODE, 2);
    covering.hold(LockMode.EX);
    covering.release();
    covering.cover(1234);
    Glock cachedInode = glocks.get(LockName.Type.INODE, 3);
    cachedInode.hold(LockMode.EX);
    cachedInode.release();
    Glock group = glocks.get(LockName.Type.RESOURCE_GROUP, 4);
    group.hold(LockMode.EX);
    group.release();
    for (long ino = 10; ino < 30; ino++) {
      Glock g = glocks.get(LockName.Type.INODE, ino);
      g.hold(LockMode.EX);
      g.release();
    }
    module.log.clear();

    glocks.shrink(ino -> ino == 3);

    assertTrue(glocks.size() <= MOST / 4 * 3, glocks.size() + " glocks left");
    assertSame(held, glocks.get(LockName.Type.INODE, 1), "held");
    assertSame(covering, glocks.get(LockName.Type.INODE, 2), "covers a cached block");
    assertSame(cachedInode, glocks.get(LockName.Type.INODE, 3), "its inode is cached");
    assertSame(group, glocks.get(LockName.Type.RESOURCE_GROUP, 4), "not an inode's");
    assertTrue(module.log.stream().allMatch(l -> l.startsWith("request inode:") && l.endsWith(" UN")),
        "only unlocks, no write-back: " + module.log);
    assertEquals(24 - glocks.size(), module.log.size(), "one unlock per glock given back");
    Glock again = glocks.get(LockName.Type.INODE, 10);
    again.hold(LockMode.EX);
    assertEquals(LockMode.EX, again.mode(), "a glock given back is asked for again when used");
  }

  @Test
  void aBlockingCallbackForAGlockGivenBackIsIgnored() throws Exception {
    for (long ino = 10; ino < 30; ino++) {
      Glock g = glocks.get(LockName.Type.INODE, ino);
      g.hold(LockMode.EX);
      g.release();
    }
    module.log.clear();
    glocks.shrink(ino -> false);
    String unlock = module.log.get(0);
    long givenBack = Long.parseLong(unlock.substring("request inode:".length(),
        unlock.length() - " UN".length()));
    module.log.clear();
    module.callbacks.blocking(new LockName(LockName.Type.INODE, givenBack), LockMode.EX);
    assertEquals(List.of(), module.log, "nothing held, nothing to demote");
  }
}
