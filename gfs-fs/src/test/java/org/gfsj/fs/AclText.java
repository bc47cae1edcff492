package org.gfsj.fs;

import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.format.PosixAcl;

/** ACLs written in tests as setfacl's short text ("u::rw-,u:1001:r--,g::r--,m::rw-,o::---"). */
final class AclText {
  private AclText() {}

  static PosixAcl parse(String text) {
    List<PosixAcl.Entry> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] f = part.split(":");
      int perm = (f[2].charAt(0) == 'r' ? 4 : 0) | (f[2].charAt(1) == 'w' ? 2 : 0)
          | (f[2].charAt(2) == 'x' ? 1 : 0);
      boolean named = !f[1].isEmpty();
      int tag = switch (f[0]) {
        case "u" -> named ? PosixAcl.USER : PosixAcl.USER_OBJ;
        case "g" -> named ? PosixAcl.GROUP : PosixAcl.GROUP_OBJ;
        case "m" -> PosixAcl.MASK;
        default -> PosixAcl.OTHER;
      };
      out.add(new PosixAcl.Entry(tag, perm, named ? Integer.parseInt(f[1]) : -1));
    }
    return new PosixAcl(out);
  }
}
