package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium)
 * against a real embedded PostgreSQL: a developer signs in with their own database account, sees
 * only their sessions, ends one through the confirmation dialog and sees it disappear; an
 * administrator sees the blocking tree and the audit trail. Screenshots at 1280x800 and 390x844 go
 * to target/screenshots (or -Dscreenshots.dir=docs/screenshots to refresh the documentation's).
 *
 * <p>Skipped, with a message, when /usr/bin/chromium or /usr/bin/chromedriver is absent
 * (install: {@code apt-get install -y chromium chromium-driver}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    PgFixture pg;
    ConsoleServer server;
    WebDriver driver;
    Path screenshots;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser tests skipped: /usr/bin/chromium and /usr/bin/chromedriver are needed"
                        + " (apt-get install -y chromium chromium-driver)");
        screenshots = Path.of(System.getProperty("screenshots.dir", "target/screenshots"));
        Files.createDirectories(screenshots);
        pg = PgFixture.start();
        ServeConfig config = new ServeConfig("127.0.0.1", 0, null,
                Map.of("dba", PasswordHasher.hash("dba-pw".toCharArray(), 20_000)), Set.of(), null, null, null, null,
                null, tmp.resolve("audit.jsonl"), Duration.ofMinutes(30), Duration.ofHours(12), 1000, 5,
                Duration.ofMinutes(15));
        Map<String, TargetSpec> targets = Map.of("pg", new TargetSpec("pg", pg.url(), "postgres", "", Map.of(),
                ProtectionPolicy.none()));
        server = ConsoleServer.start(config, targets, DialectRegistry.load()::connect);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")),
                "--window-size=1280,800", "--hide-scrollbars");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void developerSignsInSeesOnlyTheirSessionsEndsOneAndItDisappears() throws Exception {
        // alice: an idle session, a session idle in transaction, and one waiting behind bob
        Connection idle = pg.session("alice", "report-tool");
        int idlePid = pg.pid(idle);
        Connection txn = pg.session("alice", "billing-batch");
        txn.setAutoCommit(false);
        try (Statement st = txn.createStatement()) {
            st.execute("update accounts set balance = balance + 0 where id = 7");
        }
        Connection bob = pg.session("bob", "bob-app");
        bob.setAutoCommit(false);
        try (Statement st = bob.createStatement()) {
            st.execute("update accounts set balance = balance - 5 where id = 1 /* bob-secret-sql */");
        }
        Connection waiter = pg.session("alice", "checkout-api");
        CompletableFuture.runAsync(() -> {
            try (Statement st = waiter.createStatement()) {
                st.execute("update accounts set balance = balance + 5 where id = 1");
            } catch (SQLException ignored) {
                // released when the test ends
            }
        });

        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
        resize(1280, 800);
        driver.get(server.url());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
        shot("signin-desktop");

        new Select(driver.findElement(By.id("signin-target"))).selectByValue("pg");
        driver.findElement(By.id("signin-user")).sendKeys("alice");
        driver.findElement(By.id("signin-password")).sendKeys("alice-pw");
        driver.findElement(By.id("signin-submit")).click();

        wait.until(d -> rows().size() == 3);
        String table = driver.findElement(By.id("sessions-table")).getText();
        assertThat(table).contains("alice").doesNotContain("bob").doesNotContain("bob-secret-sql");
        assertThat(driver.findElement(By.id("who")).getText()).contains("alice").contains("pg");
        // sort by user then by age: the header toggles the order
        driver.findElement(By.cssSelector("th[data-sort='secondsInState']")).click();
        assertThat(driver.findElement(By.cssSelector("th[data-sort='secondsInState']")).getDomAttribute("aria-sort"))
                .isIn("ascending", "descending");
        shot("sessions-desktop");

        String idleKey = keyOf("report-tool");
        click(() -> driver.findElement(By.cssSelector("tr[data-key='" + idleKey + "'] button.act-kill")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        wait.until(d -> !d.findElement(By.id("c-statement")).getText().isEmpty());
        assertThat(driver.findElement(By.id("c-statement")).getText()).contains("pg_terminate_backend")
                .contains(Integer.toString(idlePid));
        assertThat(driver.findElement(By.id("c-rollback")).getText()).isNotBlank();
        assertThat(driver.findElement(By.id("c-txn")).getText()).isNotBlank();
        shot("confirm-desktop");
        driver.findElement(By.id("c-reason")).sendKeys("closing my stale report session");
        driver.findElement(By.id("c-confirm")).click();

        wait.until(d -> d.findElements(By.cssSelector("tr[data-key='" + idleKey + "']")).isEmpty());
        wait.until(d -> rows().size() == 2);
        assertThat(pg.alive(idlePid)).isFalse();
        assertThat(driver.findElement(By.id("toast")).getText()).contains("terminated");

        // the blocking tree: bob's root is shown, his SQL is not
        driver.findElement(By.cssSelector("[data-view='blockers']")).click();
        wait.until(d -> !d.findElements(By.cssSelector("#blockers .root")).isEmpty());
        String tree = driver.findElement(By.id("blockers")).getText();
        assertThat(tree).contains("ROOT").contains("bob").contains("idle in transaction while blocking")
                .doesNotContain("bob-secret-sql");
        assertThat(driver.findElement(By.cssSelector("#blockers .root .act-kill")).isEnabled())
                .as("no End button for another user's session").isFalse();
        shot("blocking-selfservice-desktop");

        // pause stops the live refresh
        driver.findElement(By.cssSelector("[data-view='sessions']")).click();
        driver.findElement(By.id("pause")).click();
        wait.until(d -> d.findElement(By.id("updated")).getText().startsWith("paused"));
        driver.findElement(By.id("pause")).click();

        // phone width: the same sessions as cards, and the dialog fits
        resize(390, 844);
        wait.until(d -> rows().size() == 2);
        shot("sessions-phone");
        String txnKey = keyOf("billing-batch");
        click(() -> driver.findElement(By.cssSelector("tr[data-key='" + txnKey + "'] button.act-kill")));
        wait.until(d -> d.findElement(By.id("c-statement")).getText().contains("pg_terminate_backend"));
        shot("confirm-phone");
        driver.findElement(By.id("c-cancel")).click();
        assertThat(txn.isValid(2)).as("'Keep it' ends nothing").isTrue();

        // cancelling a session that runs no statement: warned before, and the outcome is labelled, not a success
        resize(1280, 800);
        click(() -> driver.findElement(By.cssSelector("tr[data-key='" + txnKey + "'] button.act-cancel")));
        wait.until(d -> d.findElement(By.id("c-statement")).getText().contains("pg_cancel_backend"));
        assertThat(driver.findElement(By.id("c-refused")).getText()).contains("runs no statement now")
                .contains("End session releases them");
        assertThat(driver.findElement(By.id("c-txn")).getText()).isNotEqualTo("no open transaction");
        driver.findElement(By.id("c-confirm")).click();
        wait.until(d -> d.findElement(By.id("toast")).getText().contains("nothing-to-cancel"));
        assertThat(driver.findElement(By.id("toast")).getText()).startsWith("Nothing to cancel");
        assertThat(driver.findElement(By.id("toast")).getDomAttribute("class")).contains("warn");
        assertThat(txn.isValid(2)).as("nothing-to-cancel ends nothing").isTrue();

        // sign out; the administrator sees everyone, the SQL, and the audit trail with alice's action
        resize(1280, 800);
        click(() -> driver.findElement(By.id("signout")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
        driver.findElement(By.id("mode-admin")).click();
        driver.findElement(By.id("signin-user")).clear();
        driver.findElement(By.id("signin-user")).sendKeys("dba");
        driver.findElement(By.id("signin-password")).sendKeys("dba-pw");
        driver.findElement(By.id("signin-submit")).click();
        wait.until(d -> d.findElement(By.id("app")).isDisplayed()
                && d.findElement(By.id("who")).getText().contains("administrator"));
        driver.findElement(By.cssSelector("[data-view='blockers']")).click();
        wait.until(d -> d.findElement(By.id("blockers")).getText().contains("bob-secret-sql"));
        shot("blocking-admin-desktop");
        click(() -> driver.findElement(By.cssSelector("#blockers .root .act-explain")));
        wait.until(d -> d.findElement(By.id("x-findings")).getText().contains("idle in an open transaction"));
        assertThat(driver.findElement(By.id("x-next")).getText()).startsWith("terminate:").contains("sessionctl kill ").contains(" -t pg --wait");
        assertThat(driver.findElement(By.id("x-act")).isDisplayed()).isTrue();
        shot("explain-desktop");
        driver.findElement(By.id("x-close")).click();
        resize(390, 844);
        shot("blocking-admin-phone");
        resize(1280, 800);
        driver.findElement(By.cssSelector("[data-view='audit']")).click();
        wait.until(d -> d.findElement(By.id("audit-table")).getText().contains("closing my stale report session"));
        String audit = driver.findElement(By.id("audit-table")).getText();
        assertThat(audit).contains("alice from").contains("console self-service@pg").contains("terminated")
                .contains("pg_terminate_backend").contains("login").contains("dba (admin)");
        shot("audit-desktop");
    }

    private List<WebElement> rows() {
        return driver.findElements(By.cssSelector("#sessions-table tbody tr"));
    }

    /** The key of the one row whose SQL/program cell matches, read through the API's data-key attribute. */
    private String keyOf(String application) throws Exception {
        try (Connection c = pg.superuser(); Statement st = c.createStatement();
             var rs = st.executeQuery("select pid from pg_stat_activity where application_name = '" + application + "'")) {
            assertThat(rs.next()).isTrue();
            String pid = rs.getString(1) + ",";
            for (int i = 0; i < 50; i++) {
                for (WebElement row : rows()) {
                    try {
                        String key = row.getDomAttribute("data-key");
                        if (key.startsWith(pid)) {
                            return key;
                        }
                    } catch (StaleElementReferenceException e) {
                        break; // the live refresh replaced the rows: read them again
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("no row for application " + application);
    }

    /** Clicks an element found afresh, retrying when the live refresh replaced it in between. */
    private void click(Supplier<WebElement> find) {
        for (int i = 0; ; i++) {
            try {
                find.get().click();
                return;
            } catch (StaleElementReferenceException e) {
                if (i > 10) {
                    throw e;
                }
            }
        }
    }

    /** Sets the viewport itself (not the window around it) to desktop 1280x800 or a phone's 390x844. */
    private void resize(int width, int height) {
        ((ChromeDriver) driver).executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width,
                "height", height, "deviceScaleFactor", 1, "mobile", width < 600));
    }

    private void shot(String name) throws Exception {
        Thread.sleep(150); // let the layout settle after a resize or a refresh
        File f = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
