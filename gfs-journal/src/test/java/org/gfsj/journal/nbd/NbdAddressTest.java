package org.gfsj.journal.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gfsj.journal.device.BlockDeviceException;
import org.junit.jupiter.api.Test;

class NbdAddressTest {

  @Test
  void hostPortAndExport() throws Exception {
    assertEquals(new NbdAddress("198.18.0.1", 10999, "gfs"),
        NbdAddress.parse("nbd://198.18.0.1:10999/gfs"));
  }

  @Test
  void portDefaultsToTheIanaPort() throws Exception {
    assertEquals(10809, NbdAddress.parse("nbd://storage/gfs").port());
  }

  @Test
  void ipv6HostLosesItsBrackets() throws Exception {
    NbdAddress a = NbdAddress.parse("nbd://[::1]:2000/gfs");
    assertEquals("::1", a.host());
    assertEquals("nbd://[::1]:2000/gfs", a.toString());
  }

  @Test
  void malformedAddressesSayWhatIsWrongAndWhatIsRight() {
    for (String bad : new String[] {"nbd://host:port/x", "nbd://host:1", "nbd://host:1/",
        "nbd:///x", "nbd://h:1/x?y=1", "nbd://h:0/x", "http://h/x", "nbd://h:1/a b"}) {
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> NbdAddress.parse(bad), bad);
      assertTrue(e.getMessage().startsWith(bad + ": not a valid NBD address ("), e.getMessage());
      assertTrue(e.getMessage().contains("nbd://host[:port]/exportname"), e.getMessage());
    }
  }
}
