package dev.sessionctl.target;

import dev.sessionctl.guard.ProtectionPolicy;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to reach one target: a name, a JDBC URL, a user and a password, plus engine options
 * (e.g. {@code variant: rds}, {@code selfServiceProcedure: APP.KILL_MY_SESSION}) and the
 * protection configured for it. {@link #toString()} never prints the password.
 */
public final class TargetSpec {

    private static final Pattern URL_SECRET = Pattern.compile("(?i)(password|pwd|passwd)=([^&;]*)");
    private static final Pattern URL_USERINFO = Pattern.compile("//([^/@:]+):([^/@]*)@");

    private final String name;
    private final String url;
    private final String user;
    private final String password;
    private final Map<String, String> options;
    private final ProtectionPolicy protection;

    public TargetSpec(String name, String url, String user, String password, Map<String, String> options,
                      ProtectionPolicy protection) {
        this.name = name == null || name.isBlank() ? "default" : name;
        this.url = url;
        this.user = user;
        this.password = password;
        this.options = options == null ? Map.of() : Map.copyOf(options);
        this.protection = protection == null ? ProtectionPolicy.none() : protection;
    }

    public String name() { return name; }
    public String url() { return url; }
    public String user() { return user; }
    /** Only for handing to the driver. Never log, print or put in an exception message. */
    public String password() { return password; }
    public Map<String, String> options() { return options; }
    public String option(String key, String fallback) { return options.getOrDefault(key, fallback); }
    public ProtectionPolicy protection() { return protection; }

    public TargetSpec withPassword(String pw) {
        return new TargetSpec(name, url, user, pw, options, protection);
    }

    public TargetSpec withProtection(ProtectionPolicy p) {
        return new TargetSpec(name, url, user, password, options, p);
    }

    /** The URL with any embedded password removed, safe to print. */
    public String redactedUrl() {
        return redact(url);
    }

    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String r = URL_SECRET.matcher(text).replaceAll("$1=***");
        return URL_USERINFO.matcher(r).replaceAll("//$1:***@");
    }

    @Override
    public String toString() {
        return "TargetSpec[" + name + " " + redactedUrl() + " user=" + user + "]";
    }
}
