using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The billing page's period and key filter, from the address: exactly the rows of the period and the source.</summary>
public sealed class BillingFilterPageTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private static List<string> Rows(string html) =>
        [.. Regex.Matches(html, @"<tr class=""billing-ledger-row""[^>]*>.*?</tr>", RegexOptions.Singleline).Select(m => m.Value)];

    [Fact]
    public async Task BillingPage_RangeAndKeyFilter_ShowExactlyTheMatchingReadableRows()
    {
        var (browser, _, userId) = await factory.SignedInClientAsync();
        var key = await factory.CreateKeyAsync(userId);
        var organization = await factory.PersonalOrganizationAsync(userId);
        UsageEvent Row(string at, Guid? apiKey, string kind) => new()
        {
            OrganizationId = organization, UserId = userId, ApiKeyId = apiKey, ModelId = "demo-" + kind, Kind = kind, RequestId = Guid.NewGuid().ToString("N"),
            At = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture), AmountMicros = 1_500_000,
            InputTokens = kind == "image" ? 0 : 300, OutputTokens = kind == "chat" ? 56 : 0,
            ImageCount = kind == "image" ? 1 : 0, Width = kind == "image" ? 400 : 0, Height = kind == "image" ? 300 : 0, Steps = kind == "image" ? 1 : 0,
        };
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.UsageEvents.AddRange(
                Row("2026-02-28T23:59:59Z", null, "chat"),
                Row("2026-03-10T12:00:00Z", null, "chat"),
                Row("2026-03-15T12:00:00Z", key.Key.Id, "image"),
                Row("2026-03-31T23:59:00Z", key.Key.Id, "embedding"),
                Row("2026-04-01T00:00:00Z", key.Key.Id, "chat"));
            await db.SaveChangesAsync();
        }

        var march = WebUtility.HtmlDecode(await browser.GetStringAsync("/billing?from=2026-03-01&to=2026-03-31"));
        Assert.Equal(["embedding", "image", "chat"], Rows(march).Select(r => Regex.Match(r, @"data-kind=""(\w+)""").Groups[1].Value));
        Assert.Contains("€4.50", march);
        // 31 day bars, at most 8 of them labelled under the spend chart (x-axis ticks are the rotatable texts): first and last day among them.
        var chart = march[march.IndexOf("id=\"billing-chart-days\"", StringComparison.Ordinal)..march.IndexOf("id=\"billing-chart-models\"", StringComparison.Ordinal)];
        var dayLabels = Regex.Matches(chart, @"<text[^>]*transform='rotate[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value.Trim()).Where(l => l.Length > 0).ToList();
        Assert.InRange(dayLabels.Count, 2, AxisLabels.MaxLabels);
        Assert.Equal("3/1", dayLabels[0]);
        Assert.Equal("3/31", dayLabels[^1]);
        Assert.Matches(@"<svg class=""mud-chart-bar[^""]*"" width=""100%""", chart);

        var byKey = Rows(WebUtility.HtmlDecode(await browser.GetStringAsync($"/billing?from=2026-03-01&to=2026-03-31&key={key.Key.Id}")));
        Assert.Equal(2, byKey.Count);
        Assert.Contains("embedding, 300 tokens", byKey[0]);
        Assert.Contains("1 image, 400×300, 1 step", byKey[1]);
        Assert.All(byKey, r => Assert.Contains($"test key ({key.Key.Prefix}…)", r));

        var portal = Assert.Single(Rows(WebUtility.HtmlDecode(await browser.GetStringAsync("/billing?from=2026-03-01&to=2026-03-31&key=portal"))));
        Assert.Contains("300 tokens in, 56 out", portal);
        Assert.Contains(">Portal<", portal);

        // A reversed or too long period is refused with a message; the page falls back to the current month.
        var reversed = WebUtility.HtmlDecode(await browser.GetStringAsync("/billing?from=2026-03-31&to=2026-03-01"));
        Assert.Contains("The start of the period must not be after its end.", reversed);
        Assert.DoesNotContain("data-kind=\"image\"", reversed);
        Assert.Contains("A period can have at most 366 days.", WebUtility.HtmlDecode(await browser.GetStringAsync("/billing?from=2025-01-01&to=2026-03-01")));
    }
}
