package dev.sessionctl.cli;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name a {@code --url} target gets in output and messages: {@code host:port/database} from the
 * URL (the engine's default port when none is given), never the credentials a URL may carry
 * ({@code user:password@}, {@code user/password@}, {@code ?password=}). It always contains a
 * {@code :}, which a targets-file name cannot, so the two never look alike.
 */
final class UrlTargetName {

    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("postgresql", 5432, "mysql", 3306,
            "mariadb", 3306, "oceanbase", 2881, "oracle", 1521);
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");
    private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9._$#-]{1,128}");
    private static final Pattern TNS = Pattern.compile("(?i)\\(\\s*(HOST|PORT|SERVICE_NAME|SID)\\s*=\\s*([^)\\s]+)\\s*\\)");

    private UrlTargetName() {
    }

    /** True for a name this class made (as opposed to a targets-file name or "demo"). */
    static boolean isUrlName(String name) {
        return name != null && name.contains(":");
    }

    static String of(String url) {
        String rest = url == null ? "" : url.trim();
        if (rest.regionMatches(true, 0, "jdbc:", 0, 5)) {
            rest = rest.substring(5);
        }
        int colon = rest.indexOf(':');
        String scheme = colon < 0 ? rest.toLowerCase(Locale.ROOT) : rest.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.matches("[a-z0-9]{1,20}")) {
            scheme = "jdbc";
        }
        String name = scheme.equals("oracle") ? oracle(rest) : hierarchical(scheme, rest);
        return name != null ? name : scheme + ":unparsed-url";
    }

    /** {@code scheme://[user[:password]@]host[:port][,host2...][/database][?params]}. */
    private static String hierarchical(String scheme, String rest) {
        int slashes = rest.indexOf("//");
        if (slashes < 0) {
            return null;
        }
        String afterSlashes = rest.substring(slashes + 2);
        int end = indexOfAny(afterSlashes, "/?;");
        String authority = end < 0 ? afterSlashes : afterSlashes.substring(0, end);
        authority = authority.substring(authority.lastIndexOf('@') + 1); // drop user:password@
        String database = "";
        if (end >= 0 && afterSlashes.charAt(end) == '/') {
            String path = afterSlashes.substring(end + 1);
            int q = indexOfAny(path, "?;&");
            database = q < 0 ? path : path.substring(0, q);
        }
        String hosts = hostList(scheme, authority);
        if (hosts == null) {
            return null;
        }
        return hosts + (DATABASE.matcher(database).matches() ? "/" + database : "");
    }

    /** {@code oracle:thin:[user/password]@//host:port/service}, {@code @host:port:SID} or a TNS descriptor. */
    private static String oracle(String rest) {
        int at = rest.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String addr = rest.substring(at + 1).trim();
        if (addr.startsWith("(")) {
            String host = null;
            String port = null;
            String service = null;
            Matcher m = TNS.matcher(addr);
            while (m.find()) {
                String k = m.group(1).toUpperCase(Locale.ROOT);
                if (k.equals("HOST") && host == null) {
                    host = m.group(2);
                } else if (k.equals("PORT") && port == null) {
                    port = m.group(2);
                } else if (service == null && (k.equals("SERVICE_NAME") || k.equals("SID"))) {
                    service = m.group(2);
                }
            }
            String hp = host == null ? null : hostList("oracle", host + (port == null ? "" : ":" + port));
            return hp == null ? null : hp + (service != null && DATABASE.matcher(service).matches() ? "/" + service : "");
        }
        if (addr.startsWith("//")) {
            addr = addr.substring(2);
        }
        int q = indexOfAny(addr, "?");
        if (q >= 0) {
            addr = addr.substring(0, q);
        }
        // host:port/service or host:port:SID
        Matcher m = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?(?:[/:]([^/:?]*))?").matcher(addr);
        if (!m.matches()) {
            return null;
        }
        String hp = m.group(1) + ":" + (m.group(2) != null ? m.group(2) : DEFAULT_PORTS.get("oracle"));
        String service = m.group(3);
        return hp + (service != null && DATABASE.matcher(service).matches() ? "/" + service : "");
    }

    private static String hostList(String scheme, String authority) {
        if (authority.isEmpty()) {
            authority = "localhost";
        }
        StringBuilder sb = new StringBuilder();
        for (String one : authority.split(",")) {
            Matcher m = HOST_PORT.matcher(one.trim());
            if (!m.matches()) {
                return null;
            }
            Integer port = m.group(2) != null ? Integer.valueOf(m.group(2)) : DEFAULT_PORTS.get(scheme);
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(m.group(1)).append(':').append(port == null ? "default" : port.toString());
        }
        return sb.toString();
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
