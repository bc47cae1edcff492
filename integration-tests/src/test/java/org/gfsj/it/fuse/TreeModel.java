package org.gfsj.it.fuse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a filesystem tree should hold after a sequence of operations: directories, and names that
 * point at file contents (two names share one {@link Content} after a hard link).
 */
final class TreeModel {
  /** The bytes of one file, shared by all its names. */
  static final class Content {
    byte[] bytes = new byte[0];

    void write(long offset, byte[] data) {
      int end = (int) offset + data.length;
      if (end > bytes.length) {
        bytes = Arrays.copyOf(bytes, end);
      }
      System.arraycopy(data, 0, bytes, (int) offset, data.length);
    }

    void truncate(long size) {
      bytes = Arrays.copyOf(bytes, (int) size);
    }
  }

  /** Relative path to content, for files; directories map to null. "" is the root. */
  final Map<String, Content> entries = new TreeMap<>();

  TreeModel() {
    entries.put("", null);
  }

  boolean isDir(String path) {
    return entries.containsKey(path) && entries.get(path) == null;
  }

  boolean isFile(String path) {
    return entries.get(path) != null;
  }

  static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i < 0 ? "" : path.substring(0, i);
  }

  List<String> children(String dir) {
    List<String> out = new ArrayList<>();
    for (String p : entries.keySet()) {
      if (!p.isEmpty() && parent(p).equals(dir)) {
        out.add(p);
      }
    }
    return out;
  }

  List<String> files() {
    return entries.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey)
        .toList();
  }

  List<String> dirs() {
    return entries.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey)
        .toList();
  }

  /** rename(2) of a file or directory onto a path that is absent, a file, or an empty dir. */
  void rename(String from, String to) {
    if (from.equals(to)) {
      return;
    }
    entries.remove(to);
    List<String> moved = new ArrayList<>();
    for (String p : entries.keySet()) {
      if (p.equals(from) || p.startsWith(from + "/")) {
        moved.add(p);
      }
    }
    Map<String, Content> carried = new TreeMap<>();
    for (String p : moved) {
      carried.put(to + p.substring(from.length()), entries.remove(p));
    }
    entries.putAll(carried);
  }
}
