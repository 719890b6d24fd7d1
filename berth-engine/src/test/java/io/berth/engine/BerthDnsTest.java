package io.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.BerthDns.Record;
import io.berth.runtime.Libexec;
import io.berth.sys.Libc;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * berth-dns as the engine runs it: real daemons on loopback addresses (127.0.1.x, a high port),
 * asked by a DNS client written here and by busybox's nslookup, forwarding to upstreams made
 * here. Root (a precondition of the suite) is needed for port 53 of 127.0.1.53 only.
 */
class BerthDnsTest {
  static final String NET1 = "127.0.1.77";
  static final String NET2 = "127.0.1.78";
  static final int PORT = 15353;
  static final int A = 1, PTR = 12, AAAA = 28;
  static final int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3;
  static final List<Record> NET1_RECORDS = List.of(
      new Record("10.89.0.2", List.of("web", "abc123def456")),
      new Record("10.89.0.3", List.of("db", "api")),
      new Record("10.89.0.4", List.of("cache", "api")),
      new Record("fd00:89::5", List.of("v6only")));

  Path base;
  Path dir;
  FakeUpstream upstream;
  BerthDns dns;
  final List<BerthDns> instances = new ArrayList<>();
  final List<Integer> daemons = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    base = Files.createTempDirectory("berth-dns-test");
    dir = base.resolve("dns");
    upstream = new FakeUpstream();
    closeables.add(upstream);
    dns = dnsWith("127.0.0.1:" + upstream.port());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (BerthDns d : instances) {
      d.pid().ifPresent(daemons::add);
    }
    for (int pid : daemons) {
      stop(pid);
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    Volumes.deleteTree(base);
  }

  BerthDns dnsWith(String... upstreams) {
    BerthDns d = new BerthDns(base.resolve("dns" + (instances.isEmpty() ? "" : instances.size())),
        base.resolve("resolv.conf"), List.of(upstreams));
    instances.add(d);
    return d;
  }

  void net1() {
    dns.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", NET1_RECORDS);
  }

  static void stop(int pid) throws InterruptedException {
    if (Engine.alive(pid)) {
      Libc.kill(pid, Libc.SIGTERM);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (Engine.alive(pid) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      if (Engine.alive(pid)) {
        Libc.kill(pid, Libc.SIGKILL);
      }
    }
    Libc.waitpid(pid, Libc.WNOHANG);
  }

  // ---- local names ----

  @Test
  void answersNamesWithAndWithoutTheDomainInAnyCase() throws IOException {
    net1();
    for (String name : List.of("web", "WeB", "web.dns.berth", "WEB.DNS.Berth", "abc123def456")) {
      Msg m = ask(NET1, name, A);
      assertEquals(NOERROR, m.rcode(), name);
      assertTrue(m.aa(), "authoritative for " + name);
      assertTrue(m.ra() && m.rd(), "RD copied, RA set");
      assertEquals(List.of("10.89.0.2"), m.data(A), name);
      assertEquals(0, m.answers().getFirst().ttl(), "TTL 0: containers come and go");
      assertEquals(name, m.question(), "the question echoed as asked");
    }
  }

  @Test
  void sharedAliasAnswersEveryAddress() throws IOException {
    net1();
    assertEquals(List.of("10.89.0.3", "10.89.0.4"), ask(NET1, "api.dns.berth", A).data(A).stream().sorted().toList());
  }

  @Test
  void knownNameWithoutThatTypeIsNodataNotNxdomain() throws IOException {
    net1();
    Msg m = ask(NET1, "web", AAAA);
    assertEquals(NOERROR, m.rcode());
    assertTrue(m.aa());
    assertEquals(List.of(), m.answers());
    Msg v6 = ask(NET1, "v6only", AAAA);
    assertEquals(List.of(InetAddress.getByName("fd00:89::5").getHostAddress()), v6.data(AAAA));
    Msg none = ask(NET1, "v6only.dns.berth", A);
    assertEquals(NOERROR, none.rcode());
    assertEquals(List.of(), none.answers());
  }

  @Test
  void reverseLookupGivesTheFirstNameInTheDomain() throws IOException {
    net1();
    assertEquals(List.of("web.dns.berth"), ask(NET1, "2.0.89.10.in-addr.arpa", PTR).data(PTR));
    assertEquals(List.of("db.dns.berth"), ask(NET1, "3.0.89.10.IN-ADDR.ARPA", PTR).data(PTR));
    String v6 = "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.8.0.0.0.0.d.f.ip6.arpa";
    assertEquals(List.of("v6only.dns.berth"), ask(NET1, v6, PTR).data(PTR));
  }

  @Test
  void unknownNameInTheDomainIsNxdomain() throws IOException {
    net1();
    Msg m = ask(NET1, "nope.dns.berth", A);
    assertEquals(NXDOMAIN, m.rcode());
    assertTrue(m.aa());
    assertEquals(0, upstream.queries(), "never forwarded");
  }

  @Test
  void overUdpAnswersPast512BytesAreTruncatedAndTcpHasThemAll() throws IOException {
    List<Record> many = IntStream.range(0, 40).mapToObj(i -> new Record("10.91.0." + (i + 1), List.of("many"))).toList();
    dns.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", many);
    Msg udp = ask(NET1, "many", A);
    assertTrue(udp.tc(), "TC set");
    assertTrue(udp.size() <= 512, "at most 512 bytes: " + udp.size());
    assertTrue(udp.answers().size() >= 25 && udp.answers().size() < 40, "answers cut: " + udp.answers().size());
    Msg tcp = askTcp(NET1, "many", A);
    assertFalse(tcp.tc());
    assertEquals(40, tcp.data(A).size());
  }

  // ---- forwarding ----

  @Test
  void forwardsOtherNamesWithTheClientsId() throws IOException {
    net1();
    Msg m = exchange(NET1, query(0xbeef, "example.org", A));
    assertEquals(0xbeef, m.id());
    assertEquals(NOERROR, m.rcode());
    assertFalse(m.aa(), "not ours");
    assertEquals(List.of("192.0.2.99"), m.data(A));
    assertEquals(60, m.answers().getFirst().ttl(), "the upstream's answer as it came");
    assertEquals(1, upstream.queries());
    assertEquals("example.org", upstream.lastName());
    // A name of the domain's parent or outside the networks goes upstream too, over TCP as well.
    assertEquals(List.of("192.0.2.99"), askTcp(NET1, "berth", A).data(A));
    assertEquals(List.of("192.0.2.99"), ask(NET1, "9.9.89.10.in-addr.arpa", A).data(A));
  }

  @Test
  void servfailWhenTheUpstreamRefuses() throws IOException {
    int closed;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    dns = dnsWith("127.0.0.1:" + closed);
    net1();
    long t0 = System.nanoTime();
    assertEquals(SERVFAIL, ask(NET1, "example.org", A).rcode());
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1000), "a refusal fails at once");
  }

  @Test
  void silentUpstreamTimesOutThenTheNextAnswers() throws IOException {
    DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    closeables.add(silent);
    dns = dnsWith("127.0.0.1:" + silent.getLocalPort(), "127.0.0.1:" + upstream.port());
    net1();
    long t0 = System.nanoTime();
    assertEquals(List.of("192.0.2.99"), ask(NET1, "example.org", A).data(A));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms >= 1500 && ms < 4000, "about 2 s on the silent one first: " + ms + " ms");

    dns = dnsWith("127.0.0.1:" + silent.getLocalPort());
    dns.update("net2", List.of(NET2 + ":" + PORT), "dns.berth", List.of());
    t0 = System.nanoTime();
    assertEquals(SERVFAIL, ask(NET2, "example.org", A).rcode());
    ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms >= 1500 && ms < 4000, "SERVFAIL after about 2 s: " + ms + " ms");
  }

  @Test
  void neverForwardsToItself() throws IOException {
    dns = dnsWith(NET1 + ":" + PORT);
    net1();
    long t0 = System.nanoTime();
    assertEquals(SERVFAIL, ask(NET1, "example.org", A).rcode());
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1000));
  }

  @Test
  void readsUpstreamsFromResolvConf() throws Exception {
    Path resolv = base.resolve("resolv.conf");
    // resolv.conf has no ports: a fake upstream on port 53 of a loopback address of its own.
    try (FakeUpstream on53 = new FakeUpstream(new InetSocketAddress("127.0.1.53", 53))) {
      Files.writeString(resolv, "# a comment\nsearch example\nnameserver " + NET1 + "\nnameserver 127.0.1.53 \n");
      BerthDns d = new BerthDns(base.resolve("dns-resolv"), resolv);
      instances.add(d);
      d.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", NET1_RECORDS);
      assertEquals(List.of("192.0.2.99"), ask(NET1, "example.org", A).data(A));
      assertEquals(1, on53.queries());
    }
  }

  // ---- changes ----

  @Test
  void everyUpdateIsServedByTheNextQuery() throws IOException {
    List<Record> records = new ArrayList<>(NET1_RECORDS);
    for (int i = 1; i <= 30; i++) {
      records.add(new Record("10.90.0." + i, List.of("c" + i)));
      dns.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", records);
      assertEquals(List.of("10.90.0." + i), ask(NET1, "c" + i, A).data(A), "c" + i);
    }
    records.removeLast();
    dns.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", records);
    assertEquals(NXDOMAIN, ask(NET1, "c30.dns.berth", A).rcode(), "a removed record goes at once");
  }

  @Test
  void aFileWrittenInPlaceIsReadBeforeTheNextAnswerAndBadLinesAreSkipped() throws IOException {
    net1();
    // Not through update(): nobody waits for the daemon, the query must see the file anyway.
    Files.writeString(dir.resolve("net1.net"), "listen " + NET1 + ":" + PORT + "\ndomain dns.berth\n"
        + "10.89.0.2 web # the same\n\n  # a comment\nnonsense here\n10.1.2.3 bad..name\n300.1.1.1 x\n10.89.0.9 fresh\n");
    assertEquals(List.of("10.89.0.9"), ask(NET1, "fresh", A).data(A));
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
    assertEquals(NXDOMAIN, ask(NET1, "db.dns.berth", A).rcode());
    List<String> errors = Files.readAllLines(dir.resolve(".status")).stream().filter(l -> l.startsWith("error")).toList();
    assertEquals(3, errors.size(), errors.toString());
    assertTrue(errors.getFirst().contains("line 6"), errors.toString());
    assertTrue(Files.readString(dns.logFile()).contains("bad name bad..name"));
  }

  /**
   * A file truncated for a write in place (empty until the write comes) must not take the network
   * down meanwhile: its listener would close and queries get ICMP port unreachable.
   */
  @Test
  void aTruncatedFileKeepsTheNetworkServingUntilItsWriteComes() throws IOException {
    net1();
    Path file = dir.resolve("net1.net");
    Files.write(file, new byte[0]);
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A), "served as before the truncation");
    Files.writeString(file, "listen " + NET1 + ":" + PORT + "\ndomain dns.berth\n10.89.0.7 newcomer\n");
    assertEquals(List.of("10.89.0.7"), ask(NET1, "newcomer", A).data(A), "the write is seen");
    assertEquals(NXDOMAIN, ask(NET1, "web.dns.berth", A).rcode(), "and replaces what was there");
  }

  @Test
  void aChangeInotifyDoesNotReportIsSeenByTheNextQueryToo() throws IOException {
    net1();
    // Written through a hard link elsewhere: the watch on the directory hears nothing, only the
    // check of the loaded files before each answer can notice.
    Path link = Files.createDirectories(base.resolve("elsewhere")).resolve("link");
    Files.createLink(link, dir.resolve("net1.net"));
    Files.writeString(link, "listen " + NET1 + ":" + PORT + "\n10.89.0.10 quiet\n");
    assertEquals(List.of("10.89.0.10"), ask(NET1, "quiet", A).data(A));
  }

  @Test
  void aSecondNetworkServesItsOwnNamesOnItsAddress() throws IOException {
    net1();
    dns.update("net2", List.of(NET2 + ":" + PORT), "dns.berth", List.of(new Record("10.92.0.2", List.of("web"))));
    assertEquals(List.of("10.92.0.2"), ask(NET2, "web", A).data(A));
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
    assertEquals(NXDOMAIN, ask(NET2, "db.dns.berth", A).rcode(), "net1's names are not net2's");
  }

  @Test
  void removingTheLastNetworkStopsTheDaemon() throws IOException {
    net1();
    dns.update("net2", List.of(NET2 + ":" + PORT), "dns.berth", List.of(new Record("10.92.0.2", List.of("web"))));
    int pid = dns.pid().orElseThrow();
    dns.remove("net2");
    assertTrue(Engine.alive(pid), "net1 still served");
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
    assertThrows(IOException.class, () -> ask(NET2, "web", A), "net2's address is closed");
    dns.remove("net1");
    assertFalse(Engine.alive(pid), "stopped");
    assertFalse(Files.exists(dns.pidFile()), "pid file removed");
    assertTrue(dns.pid().isEmpty());
    assertThrows(IOException.class, () -> ask(NET1, "web", A));
    net1();
    assertNotEquals(pid, dns.pid().orElseThrow(), "started again by the next update");
  }

  // ---- robustness ----

  @Test
  void garbageIsDroppedOrRefusedAndTheNextQueryAnswered() throws IOException {
    net1();
    int pid = dns.pid().orElseThrow();
    Random random = new Random(42);
    try (DatagramSocket s = new DatagramSocket()) {
      InetSocketAddress server = new InetSocketAddress(NET1, PORT);
      for (int i = 1; i <= 200; i++) {
        byte[] junk = new byte[random.nextInt(600)];
        random.nextBytes(junk);
        s.send(new DatagramPacket(junk, junk.length, server));
        if (i % 20 == 0) { // so that the socket's buffer never overflows: UDP would drop, not us
          assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
        }
      }
      s.send(new DatagramPacket(new byte[] {1, 2, 3, 4, 5}, 5, server)); // shorter than a header
    }
    byte[] loop = hex("0007 0100 0001 0000 0000 0000 c00c 0001 0001"); // the name points at itself
    assertEquals(FORMERR, exchange(NET1, loop).rcode());
    byte[] two = hex("0008 0100 0002 0000 0000 0000 03776562 00 0001 0001 03776562 00 0001 0001");
    assertEquals(FORMERR, exchange(NET1, two).rcode(), "QDCOUNT 2");
    byte[] past = hex("0009 0100 0001 0000 0000 0000 3f616263"); // a 63-byte label with 3 bytes
    Msg m = exchange(NET1, past);
    assertEquals(FORMERR, m.rcode());
    assertEquals(9, m.id());
    byte[] noType = hex("000a 0100 0001 0000 0000 0000 03776562 00 00");
    assertEquals(FORMERR, exchange(NET1, noType).rcode(), "the question ends before its type");
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
    try (Socket t = new Socket(NET1, PORT)) { // a TCP client announcing more than it sends
      t.getOutputStream().write(hex("ffff 0001 02"));
    }
    assertEquals(List.of("10.89.0.2"), askTcp(NET1, "web", A).data(A));
    assertTrue(Engine.alive(pid));
    assertEquals(0, upstream.queries(), "nothing malformed was forwarded");
  }

  @Test
  void theDaemonOutlivesItsLauncherAndHoldsNothingOfTheCallers() throws IOException {
    net1();
    int pid = dns.pid().orElseThrow();
    String[] stat = stat(pid);
    int ppid = Integer.parseInt(stat[1]);
    int sid = Integer.parseInt(stat[3]);
    long self = ProcessHandle.current().pid();
    assertTrue(ppid != self || isSubreaper(), "adopted by a reaper, not a child of the JVM; parent " + ppid);
    assertTrue(ProcessHandle.current().children().noneMatch(p -> p.info().command().orElse("").endsWith("berth-dns")
        && p.pid() != pid), "no launcher left behind");
    assertNotEquals(Integer.parseInt(stat(Math.toIntExact(self))[3]), sid, "a session of its own");
    List<Path> fds;
    try (Stream<Path> s = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
      fds = s.toList();
    }
    for (Path fd : fds) {
      String target = Files.readSymbolicLink(fd).toString();
      assertTrue(target.equals("/dev/null") || target.equals(dns.logFile().toString()) || target.equals(dir.toString())
          || target.startsWith("socket:") || target.startsWith("anon_inode:"), "fd " + fd.getFileName() + " -> " + target);
    }
    assertEquals(pid, Integer.parseInt(Files.readString(dns.pidFile()).trim()));
  }

  @Test
  void theLauncherFailsWithOneLine() throws Exception {
    Process p = new ProcessBuilder(Libexec.find("berth-dns").toString(), base.resolve("missing").toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.waitFor());
    assertEquals("berth-dns: cannot open " + base.resolve("missing") + ": No such file or directory\n", err);
    Process usage = new ProcessBuilder(Libexec.find("berth-dns").toString(), "--upstream", "nowhere", dir.toString()).start();
    assertEquals(1, usage.waitFor());
    assertTrue(new String(usage.getErrorStream().readAllBytes()).startsWith("berth-dns: --upstream nowhere: not an address"));
  }

  @Test
  void aBusyListenAddressIsReportedAndTheOthersKeepServing() throws IOException {
    net1();
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.1.79", PORT))) {
      EngineException e = assertThrows(EngineException.class, () ->
          dns.update("busy", List.of("127.0.1.79:" + PORT), "dns.berth", NET1_RECORDS));
      assertEquals("berth-dns, network busy: cannot listen on 127.0.1.79:15353/udp: Address already in use", e.getMessage());
      assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A));
    }
    EngineException bad = assertThrows(EngineException.class, () ->
        dns.update("net1", List.of(NET1 + ":" + PORT), "dns.berth", List.of(new Record("10.0.0.1", List.of("two words")))));
    assertEquals("invalid name for DNS on network net1: \"two words\"", bad.getMessage());
    assertEquals(List.of("10.89.0.2"), ask(NET1, "web", A).data(A), "a refused update leaves the file alone");
  }

  @Test
  void busyboxNslookupResolvesThroughIt() throws Exception {
    net1();
    String out = run("/bin/busybox", "nslookup", "web.dns.berth", NET1 + ":" + PORT);
    assertTrue(out.contains("Address: 10.89.0.2"), out);
    String ptr = run("/bin/busybox", "nslookup", "10.89.0.3", NET1 + ":" + PORT);
    assertTrue(ptr.contains("name = db.dns.berth"), ptr);
    String fwd = run("/bin/busybox", "nslookup", "example.org", NET1 + ":" + PORT);
    assertTrue(fwd.contains("Address: 192.0.2.99"), fwd);
  }

  // ---- helpers ----

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return out;
  }

  /** Fields after the command of /proc/PID/stat: state, ppid, pgrp, session... */
  static String[] stat(int pid) throws IOException {
    String s = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
    return s.substring(s.lastIndexOf(')') + 2).split(" ");
  }

  /** prctl(PR_GET_CHILD_SUBREAPER): other tests of this JVM (the engine's) may have made it one. */
  static boolean isSubreaper() {
    try (Arena a = Arena.ofConfined()) {
      Linker linker = Linker.nativeLinker();
      MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
          Linker.Option.firstVariadicArg(1));
      MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
      assertEquals(0, (int) prctl.invokeExact(37, flag));
      return flag.get(ValueLayout.JAVA_INT, 0) != 0;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static byte[] hex(String s) {
    s = s.replace(" ", "");
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  static int nextId = 0x1000;

  static byte[] query(int id, String name, int type) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    try {
      d.writeShort(id);
      d.writeShort(0x0100); // RD
      d.writeShort(1);
      d.writeShort(0);
      d.writeInt(0);
      for (String label : name.split("\\.")) {
        d.writeByte(label.length());
        d.write(label.getBytes(StandardCharsets.US_ASCII));
      }
      d.writeByte(0);
      d.writeShort(type);
      d.writeShort(1);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return b.toByteArray();
  }

  static Msg ask(String server, String name, int type) throws IOException {
    int id = nextId++ & 0xffff;
    Msg m = exchange(server, query(id, name, type));
    assertEquals(id, m.id(), "the query's ID");
    return m;
  }

  static Msg exchange(String server, byte[] q) throws IOException {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(5000);
      s.connect(new InetSocketAddress(server, PORT)); // so a closed port fails at once
      s.send(new DatagramPacket(q, q.length));
      DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
      s.receive(p);
      return Msg.parse(p.getData(), p.getLength());
    }
  }

  static Msg askTcp(String server, String name, int type) throws IOException {
    int id = nextId++ & 0xffff;
    try (Socket t = new Socket(server, PORT)) {
      t.setSoTimeout(5000);
      byte[] q = query(id, name, type);
      DataOutputStream out = new DataOutputStream(t.getOutputStream());
      out.writeShort(q.length);
      out.write(q);
      DataInputStream in = new DataInputStream(t.getInputStream());
      byte[] r = new byte[in.readUnsignedShort()];
      in.readFully(r);
      Msg m = Msg.parse(r, r.length);
      assertEquals(id, m.id());
      return m;
    }
  }

  record Rr(String name, int type, long ttl, String data) {}

  record Msg(int id, int flags, String question, List<Rr> answers, int size) {
    int rcode() {
      return flags & 15;
    }

    boolean aa() {
      return (flags & 0x0400) != 0;
    }

    boolean tc() {
      return (flags & 0x0200) != 0;
    }

    boolean rd() {
      return (flags & 0x0100) != 0;
    }

    boolean ra() {
      return (flags & 0x0080) != 0;
    }

    List<String> data(int type) {
      return answers.stream().filter(a -> a.type() == type).map(Rr::data).toList();
    }

    static Msg parse(byte[] b, int len) {
      Reader r = new Reader(b, len);
      int id = r.u16();
      int flags = r.u16();
      assertTrue((flags & 0x8000) != 0, "QR set");
      int qd = r.u16();
      int an = r.u16();
      r.u16();
      r.u16();
      String question = null;
      for (int i = 0; i < qd; i++) {
        question = r.name();
        r.u16();
        r.u16();
      }
      List<Rr> answers = new ArrayList<>();
      for (int i = 0; i < an; i++) {
        String name = r.name();
        int type = r.u16();
        r.u16();
        long ttl = r.u16() << 16 | r.u16();
        int rdlen = r.u16();
        int end = r.pos + rdlen;
        String data = switch (type) {
          case A, AAAA -> {
            try {
              yield InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, r.pos, end)).getHostAddress();
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          }
          case PTR -> r.name();
          default -> "?";
        };
        r.pos = end;
        answers.add(new Rr(name, type, ttl, data));
      }
      return new Msg(id, flags, question, answers, len);
    }
  }

  static final class Reader {
    final byte[] b;
    final int len;
    int pos;

    Reader(byte[] b, int len) {
      this.b = b;
      this.len = len;
    }

    int u8(int at) {
      assertTrue(at < len, "read past the end of the message");
      return b[at] & 0xff;
    }

    int u16() {
      int v = u8(pos) << 8 | u8(pos + 1);
      pos += 2;
      return v;
    }

    String name() {
      StringBuilder s = new StringBuilder();
      int at = pos;
      int jumps = 0;
      boolean jumped = false;
      while (true) {
        int l = u8(at);
        if (l == 0) {
          at++;
          break;
        }
        if ((l & 0xc0) == 0xc0) {
          assertTrue(++jumps < 20, "compression loop");
          int target = (l & 0x3f) << 8 | u8(at + 1);
          if (!jumped) {
            pos = at + 2;
          }
          jumped = true;
          at = target;
          continue;
        }
        if (!s.isEmpty()) {
          s.append('.');
        }
        s.append(new String(b, at + 1, l, StandardCharsets.US_ASCII));
        at += 1 + l;
      }
      if (!jumped) {
        pos = at;
      }
      return s.toString();
    }
  }

  /** An upstream resolver answering every A question with 192.0.2.99 (TTL 60). */
  static final class FakeUpstream implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;
    private volatile int queries;
    private volatile String lastName;

    FakeUpstream() throws IOException {
      this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    FakeUpstream(InetSocketAddress at) throws IOException {
      socket = new DatagramSocket(at);
      thread = Thread.ofPlatform().daemon().start(this::serve);
    }

    int port() {
      return socket.getLocalPort();
    }

    int queries() {
      return queries;
    }

    String lastName() {
      return lastName;
    }

    private void serve() {
      byte[] buf = new byte[4096];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          Reader r = new Reader(buf, p.getLength());
          r.pos = 12;
          lastName = r.name();
          int qend = r.pos + 4;
          queries++;
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          DataOutputStream d = new DataOutputStream(out);
          d.write(buf, 0, 2);
          d.writeShort(0x8180);
          d.writeShort(1);
          d.writeShort(1);
          d.writeInt(0);
          d.write(buf, 12, qend - 12);
          d.write(hex("c00c 0001 0001 0000003c 0004 c0000263"));
          socket.send(new DatagramPacket(out.toByteArray(), out.size(), p.getSocketAddress()));
        } catch (SocketTimeoutException e) {
          // keep serving
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      socket.close();
      thread.join();
    }
  }
}
