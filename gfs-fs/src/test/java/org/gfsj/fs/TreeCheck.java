package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Vfs;

/**
 * Walks the tree reachable from the root and checks what fsck would: every entry leads to an
 * inode of the type it says, every directory's ".." names its parent and its link count is 2 plus
 * its subdirectories, every file's link count is the number of entries naming it. Returns the
 * number of inodes reachable (the root included).
 */
final class TreeCheck {
  private TreeCheck() {}

  static int check(Vfs fs) throws Exception {
    Map<Long, Integer> links = new HashMap<>();
    Map<Long, Attributes> files = new HashMap<>();
    int dirs = walk(fs, fs.root(), fs.root(), links, files, 0);
    for (Map.Entry<Long, Attributes> f : files.entrySet()) {
      assertEquals((int) links.get(f.getKey()), f.getValue().nlink(),
          "link count of inode " + f.getKey());
    }
    return dirs + files.size();
  }

  private static int walk(Vfs fs, long dir, long parent, Map<Long, Integer> links,
      Map<Long, Attributes> files, int depth) throws Exception {
    int subdirs = 0;
    int dirCount = 1;
    long cookie = 0;
    while (true) {
      var page = fs.readdir(dir, cookie, 500, Caller.ROOT);
      if (page.isEmpty()) {
        break;
      }
      for (DirectoryEntryView e : page) {
        cookie = e.nextCookie();
        if (e.name().equals(".")) {
          assertEquals(dir, e.ino(), "'.' of " + dir);
          continue;
        }
        if (e.name().equals("..")) {
          assertEquals(parent, e.ino(), "'..' of " + dir);
          continue;
        }
        Attributes a = fs.getattr(e.ino());
        assertEquals(e.type(), a.type(), "type of " + e.name() + " in " + dir);
        if (a.isDirectory()) {
          subdirs++;
          dirCount += walk(fs, e.ino(), dir, links, files, depth + 1);
        } else {
          links.merge(e.ino(), 1, Integer::sum);
          files.put(e.ino(), a);
        }
      }
    }
    assertEquals(2 + subdirs, fs.getattr(dir).nlink(), "link count of directory " + dir);
    return dirCount;
  }
}
