using MemoryPlatform.Gateway.Tests.Fixtures;
using Microsoft.Playwright;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>The web page, driven in headless Chromium as a person would use it.</summary>
[Collection(GatewayCollection.Name)]
public class BrowserTests(GatewayFixture fixture)
{
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "TestResults", "gateway-page.png");

    [ChromiumFact]
    public async Task Page_uploads_a_document_shows_progress_to_100_and_streams_an_answer()
    {
        var (tenantId, apiKey) = await fixture.CreateTenantAsync("Browser Co");
        // 6 spans of 512 words at 150 ms each: the bar has time to move.
        var text = string.Join(' ', Enumerable.Range(0, 6 * 512 - 40).Select(i => i % 12 == 0 ? "memory." : $"word{i}"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        page.PageError += (_, error) => consoleErrors.Add(error);

        await page.GotoAsync(fixture.Gateway.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("MemoryPlatform");

        await page.FillAsync("#api-key", apiKey);
        await page.ClickAsync("#connect");
        await Assertions.Expect(page.Locator("#session-label")).ToContainTextAsync(tenantId);

        await page.FillAsync("#doc-text", text);
        await page.FillAsync("#doc-id", "handbook");
        await page.ClickAsync("#upload");
        await Assertions.Expect(page.Locator("#progress-block")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#progress")).ToHaveAttributeAsync("aria-valuenow", "100", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#progress-label")).ToHaveTextAsync("100%");
        await Assertions.Expect(page.Locator("#doc-status")).ToHaveTextAsync("ready");
        await Assertions.Expect(page.Locator("#m-spans")).ToHaveTextAsync("6 / 6");
        await Assertions.Expect(page.Locator("#m-slots")).ToHaveTextAsync("768");

        await page.FillAsync("#prompt", "What does the document say?");
        await page.ClickAsync("#ask");
        await Assertions.Expect(page.Locator("#usage")).ToContainTextAsync("memory slots", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#answer")).ToContainTextAsync("Answer from 1 document(s): memory. word1 word2");

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath, FullPage = true });
        Assert.Empty(consoleErrors);
    }
}
