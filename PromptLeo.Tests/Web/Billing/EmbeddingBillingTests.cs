using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>Embedding tokens have their own price entry, are charged with it, and show on the billing page.</summary>
public sealed class EmbeddingBillingTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const string Model = DemoEmbeddingModelWriter.DemoModelId;

    private PriceList Prices => factory.Services.GetRequiredService<PriceList>();

    [Fact]
    public async Task Embeddings_WithoutOwnEntry_ChargedAtTheDefaultEmbeddingPriceNotTheChatInputPrice()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/embeddings", Json(new { model = "demo-embedding", input = "hello privacy" }))).StatusCode);

        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        var defaults = new BillingOptions();
        Assert.Equal(Money.FromEuro(defaults.DefaultEmbeddingEurPerMillionTokens), usage.InputMicrosPerMillionTokens);
        Assert.NotEqual(Money.FromEuro(defaults.DefaultInputEurPerMillionTokens), usage.InputMicrosPerMillionTokens);
        Assert.Equal((long)Math.Ceiling(usage.InputTokens * usage.InputMicrosPerMillionTokens / 1_000_000m), usage.AmountMicros);
    }

    [Fact]
    public async Task EmbeddingPrice_SetForTheModel_ChargedAndKeptWhenTheChatPricesChange()
    {
        var set = await Prices.SetEmbeddingPriceAsync(null, Model, 5m, "test-admin");
        var (client, userId, _) = await factory.CreateApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/embeddings", Json(new { model = Model, input = "ein Satz über Datenschutz" }))).StatusCode);

        var later = await Prices.SetAsync(Model, 1m, 2m, 0m, "test-admin");

        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((set.Id, Money.FromEuro(5m), "embedding"), (usage.PriceId, usage.InputMicrosPerMillionTokens, usage.Kind));
        Assert.Equal((long)Math.Ceiling(usage.InputTokens * 5m), usage.AmountMicros);
        Assert.Equal((Money.FromEuro(5m), Money.FromEuro(1m), set.Version + 1), (later.EmbeddingMicrosPerMillionTokens, later.InputMicrosPerMillionTokens, later.Version));
    }

    [Fact]
    public async Task SetAsync_WithEmbeddingPrice_SetsAllFourInOneVersion()
    {
        var price = await Prices.SetAsync(null, "some-embedder", 1m, 2m, 0.5m, 3m, "test-admin");

        Assert.Equal((Money.FromEuro(1m), Money.FromEuro(2m), Money.FromEuro(0.5m), Money.FromEuro(3m), 1),
            (price.InputMicrosPerMillionTokens, price.OutputMicrosPerMillionTokens, price.ImageMicrosPerMegapixelStep, price.EmbeddingMicrosPerMillionTokens, price.Version));
    }

    [Fact]
    public async Task BillingPage_ShowsTheEmbeddingPricePerMillionTokensAndTheEmbeddingUsageRow()
    {
        await Prices.SetEmbeddingPriceAsync(null, Model, 0.75m, "test-admin");
        var (browser, _, userId) = await factory.SignedInClientAsync();
        var key = await factory.CreateKeyAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(key.Secret).PostAsync("/v1/embeddings", Json(new { model = Model, input = new[] { "a", "b" } }))).StatusCode);

        var html = WebUtility.HtmlDecode(await browser.GetStringAsync("/billing"));

        Assert.Contains("Embedding per 1M tokens", html);
        var row = Regex.Match(html, $@"<tr[^>]*><td data-label=""Model"">{Regex.Escape(Model)}</td>.*?</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, "no price row for the embedding model");
        Assert.Matches(@"class=""billing-price-embedding"">[^<]*0[.,]7500", row.Value);
        var ledger = Assert.Single(Regex.Matches(html, @"<tr class=""billing-ledger-row""[^>]*>.*?</tr>", RegexOptions.Singleline));
        // The kind is shown in the reader's language, not as the ledger's code.
        Assert.Contains($@"<td data-label=""Model"">{Model}</td><td data-label=""Kind"">Embedding</td>", ledger.Value);
        Assert.DoesNotContain("<td>embedding</td>", html);
    }
}
