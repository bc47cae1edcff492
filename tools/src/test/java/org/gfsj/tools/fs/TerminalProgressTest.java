package org.gfsj.tools.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** fsck's terminal progress line: shown in place, wiped before the next output. */
class TerminalProgressTest {
  @Test
  void aShownLineIsRewrittenInPlaceAndWipedAtTheEnd() throws Exception {
    StringWriter text = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(text));
    Thread.sleep(250);
    p.update("Pass 4", "resource groups", 3, 16);
    assertEquals("\rPass 4: 3/16 resource groups checked", text.toString());
    p.update("Pass 4", "resource groups", 4, 16);
    assertEquals("\rPass 4: 3/16 resource groups checked", text.toString(),
        "at most five updates a second");
    p.finish();
    String wiped = text.toString().substring(text.toString().lastIndexOf("checked") + 7);
    assertTrue(wiped.matches("\r +\r"), "wiped with spaces: '" + wiped + "'");
  }
}
