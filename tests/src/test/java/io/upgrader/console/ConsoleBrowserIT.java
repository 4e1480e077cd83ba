package io.upgrader.console;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.TestCredentials;
import io.upgrader.support.UpgradeFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The upgrade console at /console in a real headless Chromium (Debian's chromium and chromium-driver, which
 * .ci/run installs), against the service on its random port: sign-in, a definition diff, a dry run and an upgrade
 * read back over the API, and a bulk upgrade's progress to 100 %. Screenshots of each step go to
 * target/console-screenshots/. Skipped only where /usr/bin/chromium is absent.
 */
@EmbeddedInfrastructureTest
class ConsoleBrowserIT extends UpgradeFixture {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private ChromeDriverService driverService;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (driverService != null) {
            driverService.stop();
        }
    }

    @Test
    void theConsoleFilesAreServedWithoutCredentialsButNoDataIs() {
        Http anonymous = http.withAuthorization(null);
        Http.Response redirect = anonymous.get("/console");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("Location")).endsWith("/console/");
        Http.Response page = anonymous.get("/console/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("Workflow upgrade console").doesNotContain(TestCredentials.KEY_ID);
        for (String asset : List.of("api.js", "tree.js", "console.js", "console.css", "index.html")) {
            assertThat(anonymous.get("/console/" + asset).status()).as(asset).isEqualTo(200);
        }
        assertThat(anonymous.get("/console/nope.js").status()).isEqualTo(404);
        assertThat(anonymous.get("/api/metadata/workflow").status()).isEqualTo(401);
        assertThat(anonymous.get("/api/workflow/search?query=status%3DRUNNING").status()).isEqualTo(401);
    }

    @Test
    void anOperatorComparesVersionsPreviewsUpgradesAndWatchesABulkUpgrade() throws IOException {
        openBrowser();
        String name = "order_flow_" + UUID.randomUUID().toString().substring(0, 6);
        registerNestedVersions(name);
        String single = start(name, 1, Map.of("orderId", 7));
        List<String> forBulk = List.of(start(name, 1, Map.of("orderId", 8)), start(name, 1, Map.of("orderId", 9)),
                start(name, 1, Map.of("orderId", 10)));

        // 1. The page loads and shows nothing but the sign-in until the operator signs in.
        browser.get("http://127.0.0.1:" + port + "/console");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-form")));
        assertThat(browser.findElement(By.id("app")).isDisplayed()).isFalse();
        assertThat(browser.findElements(By.cssSelector("#definition-list li"))).isEmpty();
        type(By.id("key-id"), TestCredentials.KEY_ID);
        type(By.id("key-secret"), "not-the-secret");
        browser.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "Unknown key or wrong secret"));
        screenshot("01-sign-in", "sign-in");
        type(By.id("key-secret"), TestCredentials.KEY_SECRET);
        browser.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("definitions")));
        assertThat(browser.findElement(By.id("session-label")).getText()).contains(TestCredentials.KEY_ID);
        assertThat((String) browser.executeScript("return sessionStorage.getItem('workflow-upgrader.console.token')"))
                .isNotBlank();

        // 2. The definition's two versions side by side: added, removed and moved tasks marked, nested ones too.
        type(By.id("definition-filter"), name);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-name='" + name + "']")))
                .click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#diff-new li[data-ref='prescreen']")));
        assertThat(mark("#diff-new", "prescreen")).isEqualTo("added");
        assertThat(badge("#diff-new", "prescreen")).isEqualTo("added");
        assertThat(mark("#diff-new", "notify")).isEqualTo("added");
        assertThat(mark("#diff-new", "route")).isEqualTo("added");
        assertThat(mark("#diff-new", "archive")).isEqualTo("moved");
        assertThat(mark("#diff-old", "archive")).isEqualTo("moved");
        assertThat(mark("#diff-old", "cleanup")).isEqualTo("removed");
        assertThat(mark("#diff-new", "review")).isNull();
        assertThat(mark("#diff-new", "audit")).isNull();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#version-table tr[data-version='1'] .count"), "4"));
        screenshot("02-definition-diff", "definition");

        // 3. The running executions of version 1, a page from the search API.
        browser.findElement(By.cssSelector("#version-table button[data-executions='1']")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#execution-table tbody tr"), 4));
        screenshot("03-executions", "executions");

        // 4. One execution: the dry run drawn on version 2's tree, then the upgrade with the skipped task's output.
        browser.findElement(By.cssSelector("button[data-plan='" + single + "']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("plan-form")));
        assertThat(new Select(browser.findElement(By.id("upgrade-target"))).getFirstSelectedOption().getText())
                .isEqualTo("version 2");
        type(By.id("upgrade-workflow-input"), "{\"region\": \"eu\"}");
        browser.findElement(By.id("preview-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("output-prescreen")));
        assertThat(mark("#plan-tree", "prescreen")).isEqualTo("skipped");
        assertThat(mark("#plan-tree", "review")).isEqualTo("running");
        assertThat(mark("#plan-tree", "audit")).isEqualTo("running");
        assertThat(mark("#plan-tree", "notify")).isEqualTo("started");
        assertThat(mark("#plan-tree", "fork")).isEqualTo("done");
        assertThat(browser.findElement(By.id("plan-summary")).getText())
                .isEqualTo("Version 1 → 2: 1 skipped, 2 kept running, 1 started.");
        assertThat(get(single).path("workflowVersion").asInt()).as("a dry run changes nothing").isEqualTo(1);
        type(By.id("output-prescreen"), "{\"score\": 0.9, \"by\": \"console\"}");
        screenshot("04-dry-run-plan", "upgrade");
        browser.findElement(By.id("confirm-button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("upgrade-outcome"), "APPLIED"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#history-table tbody tr"), 1));
        wait.until(ExpectedConditions.textMatches(By.id("upgrade-current"), Pattern.compile(
                "Version\\s+2")));
        assertThat(browser.findElement(By.cssSelector("#history-table tbody tr")).getText())
                .contains("1", "2", "prescreen", TestCredentials.KEY_ID);
        screenshot("05-upgrade-result", "upgrade-result");

        JsonNode upgraded = get(single);
        assertThat(upgraded.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(upgraded.path("input").path("region").asString()).isEqualTo("eu");
        assertThat(upgraded.path("input").path("orderId").asInt()).isEqualTo(7);
        JsonNode prescreen = task(upgraded, "prescreen");
        assertThat(prescreen.path("status").asString()).isEqualTo("SKIPPED");
        assertThat(prescreen.path("outputData").path("score").asDouble()).isEqualTo(0.9);
        assertThat(prescreen.path("outputData").path("by").asString()).isEqualTo("console");
        assertThat(task(upgraded, "notify").path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(upgraded.path("upgradeHistory").get(0).path("requestedBy").asString())
                .isEqualTo(TestCredentials.KEY_ID);

        // 5. A bulk upgrade of the other three, selected on the page: its dry run, then its progress to 100 %.
        browser.findElement(By.cssSelector("#version-table button[data-executions='1']")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#execution-table tbody tr"), 3));
        browser.findElement(By.id("select-page")).click();
        wait.until(ExpectedConditions.textToBe(By.id("selected-count"), "3"));
        browser.findElement(By.id("bulk-preview")).click();
        wait.until(ExpectedConditions.textToBe(By.id("bulk-dry-run"),
                "Of 3 selected: 3 would be upgraded, 0 are already there, 0 would be rejected."));
        screenshot("06-bulk-dry-run", "executions");
        browser.findElement(By.id("bulk-start")).click();
        wait.until(ExpectedConditions.textToBe(By.id("batch-percent"), "100 %"));
        wait.until(ExpectedConditions.textToBe(By.id("batch-state"), "finished"));
        assertThat(browser.findElement(By.id("count-applied")).getText()).isEqualTo("3");
        assertThat(browser.findElement(By.id("count-rejected")).getText()).isEqualTo("0");
        assertThat(browser.findElement(By.id("batch-progress")).getDomProperty("value")).isEqualTo("1");
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#version-table tr[data-version='1'] .count"), "0"));
        screenshot("07-bulk-progress", "bulk-progress");
        String batchId = browser.findElement(By.id("batch-id")).getText();
        JsonNode progress = awaitDone(batchId);
        assertThat(progress.path("applied").asLong()).isEqualTo(3);
        for (String workflowId : forBulk) {
            await().atMost(patience()).until(() -> get(workflowId).path("workflowVersion").asInt() == 2);
            assertThat(task(get(workflowId), "prescreen").path("status").asString()).isEqualTo("SKIPPED");
        }
    }

    private void openBrowser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM), "No " + CHROMIUM + ": the console's browser test needs Debian's "
                + "chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does it)");
        Files.createDirectories(SCREENSHOTS);
        driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1500", "--force-device-scale-factor=1");
        browser = new ChromeDriver(driverService, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    /** Version 1: review and audit in a fork, then cleanup and archive. Version 2 adds, removes and moves. */
    private void registerNestedVersions(String name) {
        Map<String, Object> v1 = Map.of("name", name, "version", 1, "tasks", List.of(
                Map.of("name", "fork", "taskReferenceName", "fork", "type", "FORK_JOIN", "forkTasks", List.of(
                        List.of(simple("review")), List.of(simple("audit")))),
                Map.of("name", "join", "taskReferenceName", "join", "type", "JOIN",
                        "joinOn", List.of("review", "audit")),
                simple("cleanup"),
                simple("archive")));
        Map<String, Object> v2 = Map.of("name", name, "version", 2, "tasks", List.of(
                Map.of("name", "fork", "taskReferenceName", "fork", "type", "FORK_JOIN", "forkTasks", List.of(
                        List.of(simple("prescreen"), simple("review")), List.of(simple("audit")),
                        List.of(simple("notify")))),
                Map.of("name", "join", "taskReferenceName", "join", "type", "JOIN",
                        "joinOn", List.of("review", "audit", "notify")),
                Map.of("name", "route", "taskReferenceName", "route", "type", "SWITCH",
                        "evaluatorType", "value-param", "expression", "decision",
                        "inputParameters", Map.of("decision", "${review.output.decision}"),
                        "decisionCases", Map.of("approved", List.of(simple("archive"))))));
        for (Map<String, Object> version : List.of(v1, v2)) {
            Http.Response response = http.postJson("/api/metadata/workflow", version);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
    }

    private static Map<String, Object> simple(String ref) {
        return Map.of("name", ref + "_task", "taskReferenceName", ref, "type", "SIMPLE");
    }

    private void type(By field, String text) {
        WebElement element = wait.until(ExpectedConditions.elementToBeClickable(field));
        element.clear();
        element.sendKeys(text);
    }

    private String mark(String tree, String ref) {
        return browser.findElement(By.cssSelector(tree + " li[data-ref='" + ref + "']")).getDomAttribute("data-mark");
    }

    private String badge(String tree, String ref) {
        return browser.findElement(By.cssSelector(tree + " li[data-ref='" + ref + "'] > .task .badge")).getText();
    }

    /** A screenshot of the window with the given section scrolled to its top. */
    private void screenshot(String step, String sectionId) throws IOException {
        browser.executeScript("arguments[0].scrollIntoView({block: 'start'})", browser.findElement(By.id(sectionId)));
        Files.write(SCREENSHOTS.resolve(step + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
