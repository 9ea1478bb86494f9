package dev.sessionctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point inward (docs/architecture.md): the core never sees JDBC, a front end or a
 * dialect, and dialects never import each other. Checked on the source text of src/main/java, so
 * it needs no extra library: imports (including static and wildcard ones) and fully qualified
 * names in code both count; comments and string literals do not.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.sessionctl";
    private static final Path MAIN_SOURCES = Path.of("src", "main", "java");

    /** Core packages, sub-packages included. */
    private static final List<String> CORE_TREES = List.of("model", "target", "guard", "kill", "analysis");

    /**
     * Core packages whose adapters may live in sub-packages (e.g. an audit sink writing to a
     * database): only the package itself is core.
     */
    private static final List<String> CORE_PACKAGES_ONLY = List.of("escalation", "watch", "audit");

    private static final List<String> FORBIDDEN_IN_CORE = List.of(
            "java.sql", "javax.sql", "io.javalin", "picocli",
            ROOT + ".dialect", ROOT + ".cli", ROOT + ".http");

    private static final String DIALECT = ROOT + ".dialect";

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;");
    /** A qualified name in code: not preceded by a word character or dot, so {@code foo.picocli.X} does not match. */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])([a-z_][\\w]*(?:\\s*\\.\\s*[A-Za-z_]\\w*)+)");

    private static List<SourceFile> sources;

    @BeforeAll
    static void readSources() throws IOException {
        assertThat(MAIN_SOURCES).as("run from the project directory").isDirectory();
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            List<SourceFile> read = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                read.add(SourceFile.parse(p.toString(), Files.readString(p, StandardCharsets.UTF_8)));
            }
            sources = read;
        }
    }

    @Test
    void theScanSeesTheCorePackages() {
        // guards against a scan that silently reads nothing and so passes
        for (String core : List.of("model", "kill", "analysis", "guard")) {
            assertThat(sources).as("sources in %s.%s", ROOT, core)
                    .anySatisfy(f -> assertThat(f.packageName()).isEqualTo(ROOT + "." + core));
        }
        assertThat(sources).allSatisfy(f -> assertThat(f.packageName()).as(f.path()).startsWith(ROOT));
    }

    @Test
    void corePackagesUseNoJdbcNoFrontEndAndNoDialect() {
        List<String> violations = new ArrayList<>();
        for (SourceFile f : sources) {
            violations.addAll(coreViolations(f));
        }
        assertThat(violations).as("core dependencies that point outward").isEmpty();
    }

    @Test
    void dialectsDoNotImportEachOther() {
        List<String> violations = new ArrayList<>();
        for (SourceFile f : sources) {
            violations.addAll(dialectViolations(f));
        }
        assertThat(violations).as("dialect sub-packages depending on each other").isEmpty();
    }

    static boolean isCore(String packageName) {
        for (String p : CORE_TREES) {
            String full = ROOT + "." + p;
            if (packageName.equals(full) || packageName.startsWith(full + ".")) {
                return true;
            }
        }
        for (String p : CORE_PACKAGES_ONLY) {
            if (packageName.equals(ROOT + "." + p)) {
                return true;
            }
        }
        return false;
    }

    static List<String> coreViolations(SourceFile f) {
        List<String> out = new ArrayList<>();
        if (!isCore(f.packageName())) {
            return out;
        }
        f.references().forEach((name, line) -> {
            for (String forbidden : FORBIDDEN_IN_CORE) {
                if (name.equals(forbidden) || name.startsWith(forbidden + ".")) {
                    out.add(f.path() + ":" + line + " uses " + name + " (core package " + f.packageName()
                            + " must not depend on " + forbidden + ")");
                }
            }
        });
        return out;
    }

    /** The engine sub-package a name belongs to ({@code postgresql} for dev.sessionctl.dialect.postgresql.X), or null. */
    static String dialectOf(String name) {
        if (!name.startsWith(DIALECT + ".")) {
            return null;
        }
        String rest = name.substring(DIALECT.length() + 1);
        int dot = rest.indexOf('.');
        String first = dot < 0 ? rest : rest.substring(0, dot);
        // a lower-case segment is a sub-package; an upper-case one is the shared SPI (Dialect, SqlErrors, ...)
        return dot > 0 && Character.isLowerCase(first.charAt(0)) ? first : null;
    }

    static List<String> dialectViolations(SourceFile f) {
        List<String> out = new ArrayList<>();
        String own = dialectOf(f.packageName() + ".X");
        if (own == null) {
            return out;
        }
        f.references().forEach((name, line) -> {
            String other = dialectOf(name);
            if (other != null && !other.equals(own)) {
                out.add(f.path() + ":" + line + " uses " + name + " (dialect." + own
                        + " must not depend on dialect." + other + ")");
            }
        });
        return out;
    }

    /**
     * One Java file reduced to what the rules need.
     *
     * @param references every imported or qualified name in code, with the first line it appears on
     */
    record SourceFile(String path, String packageName, Map<String, Integer> references) {

        static SourceFile parse(String path, String text) {
            String code = stripCommentsAndLiterals(text);
            Matcher pkg = PACKAGE.matcher(code);
            String packageName = pkg.find() ? pkg.group(1) : "";
            Map<String, Integer> refs = new TreeMap<>();
            Matcher imp = IMPORT.matcher(code);
            StringBuilder body = new StringBuilder(code);
            while (imp.find()) {
                refs.putIfAbsent(imp.group(1), lineOf(code, imp.start(1)));
                blank(body, imp.start(), imp.end());
            }
            if (pkg.find(0)) {
                blank(body, pkg.start(), pkg.end());
            }
            Matcher q = QUALIFIED.matcher(body);
            while (q.find()) {
                refs.putIfAbsent(q.group(1).replaceAll("\\s+", ""), lineOf(code, q.start(1)));
            }
            return new SourceFile(path, packageName, refs);
        }

        private static void blank(StringBuilder sb, int from, int to) {
            for (int i = from; i < to; i++) {
                if (sb.charAt(i) != '\n') {
                    sb.setCharAt(i, ' ');
                }
            }
        }

        private static int lineOf(String text, int offset) {
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }

        /** Removes comments, string, text-block and char literals, keeping line breaks so line numbers stay right. */
        static String stripCommentsAndLiterals(String src) {
            StringBuilder out = new StringBuilder(src.length());
            int i = 0;
            int n = src.length();
            while (i < n) {
                char c = src.charAt(i);
                int end;
                if (src.startsWith("//", i)) {
                    end = src.indexOf('\n', i);
                    end = end < 0 ? n : end;
                } else if (src.startsWith("/*", i)) {
                    end = src.indexOf("*/", i + 2);
                    end = end < 0 ? n : end + 2;
                } else if (src.startsWith("\"\"\"", i)) {
                    end = i + 3;
                    while (end < n && !src.startsWith("\"\"\"", end)) {
                        end += src.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 3);
                } else if (c == '"' || c == '\'') {
                    end = i + 1;
                    while (end < n && src.charAt(end) != c && src.charAt(end) != '\n') {
                        end += src.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 1);
                } else {
                    out.append(c);
                    i++;
                    continue;
                }
                out.append(' ');
                for (int k = i; k < end; k++) {
                    if (src.charAt(k) == '\n') {
                        out.append('\n');
                    }
                }
                i = end;
            }
            return out.toString();
        }
    }

    /** The checks themselves must be able to fail: each rule is shown a violating source. */
    @Nested
    class TheRulesCatchViolations {

        private SourceFile source(String packageName, String body) {
            return SourceFile.parse("Test.java", "package " + packageName + ";\n" + body);
        }

        @Test
        void jdbcImportInTheModelIsAViolation() {
            SourceFile f = source("dev.sessionctl.model", "import java.util.List;\nimport java.sql.Connection;\nclass A {}\n");
            assertThat(coreViolations(f)).singleElement().asString()
                    .contains("Test.java:3", "java.sql.Connection", "dev.sessionctl.model");
        }

        @Test
        void wildcardStaticAndQualifiedUsesAreViolations() {
            assertThat(coreViolations(source("dev.sessionctl.kill", "import javax.sql.*;\n"))).hasSize(1);
            assertThat(coreViolations(source("dev.sessionctl.guard",
                    "import static dev.sessionctl.cli.Main.EXIT;\n"))).hasSize(1);
            assertThat(coreViolations(source("dev.sessionctl.analysis",
                    "class A { io.javalin.Javalin app; picocli.CommandLine c; }\n"))).hasSize(2);
            assertThat(coreViolations(source("dev.sessionctl.target",
                    "class A { void f() { var r = dev.sessionctl.dialect.DialectRegistry.load(); } }\n"))).hasSize(1);
            assertThat(coreViolations(source("dev.sessionctl.kill.sub", "import java.sql.SQLException;\n"))).hasSize(1);
            assertThat(coreViolations(source("dev.sessionctl.audit", "import java.sql.SQLException;\n"))).hasSize(1);
        }

        @Test
        void commentsStringsAndNonCorePackagesAreNotViolations() {
            assertThat(coreViolations(source("dev.sessionctl.model",
                    "/** see {@link java.sql.Connection} */\n// import java.sql.Connection;\n"
                            + "class A { String s = \"java.sql.Connection\"; String t = \"\"\"\n  import picocli.X;\n\"\"\"; char c = '\"'; }\n")))
                    .isEmpty();
            assertThat(coreViolations(source("dev.sessionctl.dialect.postgresql", "import java.sql.Connection;\n"))).isEmpty();
            assertThat(coreViolations(source("dev.sessionctl.audit.jdbc", "import java.sql.Connection;\n"))).isEmpty();
            assertThat(coreViolations(source("dev.sessionctl.model", "import java.sqlx.Thing;\nclass A { my.picocli.X x; }\n")))
                    .isEmpty();
        }

        @Test
        void aDialectImportingAnotherIsAViolationButTheSpiAndItsOwnPackageAreNot() {
            SourceFile mysql = source("dev.sessionctl.dialect.mysql",
                    "import dev.sessionctl.dialect.Dialect;\nimport dev.sessionctl.dialect.SqlErrors;\n"
                            + "import dev.sessionctl.dialect.mysql.sub.Helper;\n"
                            + "import dev.sessionctl.dialect.postgresql.PostgresDialect;\n");
            assertThat(dialectViolations(mysql)).singleElement().asString()
                    .contains("Test.java:5", "dialect.mysql must not depend on dialect.postgresql");

            SourceFile oracle = source("dev.sessionctl.dialect.oracle.rac",
                    "class A { dev.sessionctl.dialect.mysql.MySqlDialect d; }\n");
            assertThat(dialectViolations(oracle)).hasSize(1);

            SourceFile spi = source("dev.sessionctl.dialect", "import dev.sessionctl.dialect.postgresql.PostgresDialect;\n");
            assertThat(dialectViolations(spi)).as("the registry package is not an engine").isEmpty();
        }
    }
}
