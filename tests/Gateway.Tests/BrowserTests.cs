using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using Microsoft.Playwright;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>The web page, driven in headless Chromium as a person would use it, on the real platform (tiny real model).</summary>
[Collection(GatewayCollection.Name)]
public class BrowserTests(GatewayFixture fixture)
{
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "TestResults", "gateway-page.png");

    [ChromiumFact]
    public async Task Page_uploads_a_document_shows_progress_to_100_and_streams_an_answer()
    {
        var (tenantId, apiKey) = await fixture.CreateTenantAsync("Browser Co");
        var text = GatewayFixture.Sentences(40);
        var spans = fixture.SpanCount(fixture.TokenCount(text));
        var slots = (spans * fixture.SlotsPerSpan).ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")); // as the page formats it
        const string question = "Who lit the light?";

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
        await Assertions.Expect(page.Locator("#progress")).ToHaveAttributeAsync("aria-valuenow", "100", new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("#progress-label")).ToHaveTextAsync("100%");
        await Assertions.Expect(page.Locator("#doc-status")).ToHaveTextAsync("ready");
        await Assertions.Expect(page.Locator("#m-spans")).ToHaveTextAsync($"{spans} / {spans}");
        await Assertions.Expect(page.Locator("#m-slots")).ToHaveTextAsync(slots);

        await page.FillAsync("#prompt", question);
        await page.ClickAsync("#ask");
        await Assertions.Expect(page.Locator("#usage")).ToContainTextAsync($"{slots} memory slots", new() { Timeout = 60_000 });

        // The page shows what the API answers to the same question (greedy decoding: the same tokens).
        using var api = fixture.Gateway.Client(apiKey);
        using var response = await api.PostAsJsonAsync("v1/query", new { documents = new[] { "handbook" }, prompt = question, max_tokens = 64, temperature = 0 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((await ReadJson(response)).GetProperty("answer").GetString(), await page.Locator("#answer").TextContentAsync());

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath, FullPage = true });
        Assert.Empty(consoleErrors);
    }
}
