package dev.berth.daemon.distribution;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a registry domain is reached, as docker decides it: Docker Hub ({@code docker.io}) is
 * {@code registry-1.docker.io} behind the configured mirrors; other hosts are HTTPS, with plain
 * HTTP as a fallback for insecure registries (loopback addresses and {@code insecure-registries}).
 * TLS trusts the system store plus {@code certs.d/<host:port>/*.crt}.
 */
public final class RegistryEndpoints {
    /** The host Docker Hub's registry API is served from. */
    public static final String DOCKER_HUB_HOST = "registry-1.docker.io";
    /** The key docker's config.json stores Docker Hub credentials under. */
    public static final String DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

    /** One base URL to try, with the HTTP client configured for its TLS. */
    public record Endpoint(URI base, boolean mirror, boolean insecure, HttpClient http) {
        public String host() {
            return base.getAuthority();
        }
    }

    private final RegistryOptions options;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    public RegistryEndpoints(RegistryOptions options) {
        this.options = options;
    }

    public RegistryOptions options() {
        return options;
    }

    /** The API host of a reference's domain: Docker Hub's {@code docker.io} maps to its registry. */
    public static String apiHost(String domain) {
        return domain.equals("docker.io") || domain.equals("index.docker.io") ? DOCKER_HUB_HOST : domain;
    }

    /**
     * The endpoints to try for {@code domain}, in order: mirrors (Docker Hub only), then the
     * registry over HTTPS, then over HTTP when the registry is insecure.
     */
    public List<Endpoint> endpoints(String domain, boolean forPush) {
        List<Endpoint> out = new ArrayList<>();
        String host = apiHost(domain);
        if (host.equals(DOCKER_HUB_HOST) && !forPush) {
            for (String m : options.mirrors()) {
                URI u = URI.create(m.endsWith("/") ? m.substring(0, m.length() - 1) : m);
                boolean insecure = isInsecure(u.getAuthority());
                out.add(new Endpoint(u, true, insecure, client(u.getAuthority(), insecure)));
            }
        }
        boolean insecure = isInsecure(host);
        out.add(new Endpoint(URI.create("https://" + host), false, insecure, client(host, insecure)));
        if (insecure) {
            out.add(new Endpoint(URI.create("http://" + host), false, true, client(host, true)));
        }
        return out;
    }

    /** Docker's rule: loopback registries and those listed in {@code insecure-registries}. */
    public boolean isInsecure(String hostPort) {
        String host = hostOnly(hostPort);
        for (String entry : options.insecure()) {
            if (entry.equalsIgnoreCase(hostPort) || entry.equalsIgnoreCase(host)) {
                return true;
            }
        }
        InetAddress addr;
        try {
            addr = host.equals("localhost") ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        if (addr.isLoopbackAddress()) {
            return true;
        }
        for (String entry : options.insecure()) {
            if (entry.contains("/") && inCidr(addr, entry)) {
                return true;
            }
        }
        return false;
    }

    static String hostOnly(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(1, end) : hostPort;
        }
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 && hostPort.indexOf(':') == colon ? hostPort.substring(0, colon) : hostPort;
    }

    static boolean inCidr(InetAddress addr, String cidr) {
        try {
            int slash = cidr.indexOf('/');
            byte[] net = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            byte[] a = addr.getAddress();
            if (a.length != net.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (net[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private HttpClient client(String hostPort, boolean insecure) {
        return clients.computeIfAbsent((insecure ? "insecure " : "") + hostPort, k -> {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(30))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1);
            try {
                b.sslContext(sslContext(hostPort, insecure));
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot set up TLS for " + hostPort + ": " + e.getMessage(), e);
            }
            return b.build();
        });
    }

    private SSLContext sslContext(String hostPort, boolean insecure) throws IOException, GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        if (insecure) {
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            return ctx;
        }
        Path dir = options.certsDir().resolve(hostPort);
        List<Path> cas = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (var s = Files.newDirectoryStream(dir, "*.crt")) {
                s.forEach(cas::add);
            }
        }
        if (cas.isEmpty()) {
            return SSLContext.getDefault();
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        sys.init((KeyStore) null);
        int n = 0;
        for (TrustManager tm : sys.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    ks.setCertificateEntry("system-" + n++, c);
                }
            }
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Path p : cas) {
            try (InputStream in = Files.newInputStream(p)) {
                for (Certificate c : cf.generateCertificates(in)) {
                    ks.setCertificateEntry("certs.d-" + n++, c);
                }
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Insecure registries skip certificate and host name checks, as docker's do. */
    private static final class TrustAll extends javax.net.ssl.X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine e) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine e) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
