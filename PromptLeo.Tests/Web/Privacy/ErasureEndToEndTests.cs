using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>Erasure across every feature on the real engines: portal chat, API usage with a key, export, then erasure.</summary>
public abstract class ErasureEndToEndTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : ApiPortalFactory
{
    [Fact]
    public async Task Erase_AfterChatAndApiUse_KeyStopsUsageIsPseudonymizedAndNothingLeaks()
    {
        var browser = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: browser);
        var portalPrompt = $"Portal-Geheimnis-{Guid.NewGuid():N}";
        var apiPrompt = $"Api-Geheimnis-{Guid.NewGuid():N}";
        var documentPhrase = $"Dokument-Geheimnis-{Guid.NewGuid():N}";

        var turn = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(user.Id, ChatTurnKind.Send, new ChatSettings { ModelId = ApiPortalFactory.ChatModel, MaxTokens = 8, Seed = 3 }) { Prompt = portalPrompt });
        Assert.True(turn.Stored);
        // An uploaded document: original file, chunk texts, vectors and positions.
        var knowledge = factory.Services.GetRequiredService<IKnowledgeService>();
        var collection = await knowledge.CreateCollectionAsync(user.Id, "Verträge");
        var document = await knowledge.UploadAsync(user.Id, collection.Id, "vertrag.txt", new MemoryStream(TestDocuments.PlainText([$"Vertraulich: {documentPhrase}."])));
        for (var i = 0; i < 600 && (await knowledge.DocumentsAsync(user.Id, collection.Id)).Single().Status != KnowledgeDocumentStatus.Ready; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal(KnowledgeDocumentStatus.Ready, (await knowledge.DocumentsAsync(user.Id, collection.Id)).Single().Status);
        var key = await factory.CreateKeyAsync(user.Id);
        var api = factory.ClientWithKey(key.Secret);
        var completion = await api.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 8,
            messages = new[] { new { role = "user", content = apiPrompt } },
        });
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var usageBefore = await factory.UsageEventsAsync(user.Id);
        Assert.True(usageBefore.Count >= 2, "portal chat and API call are both metered");

        // The export carries billing's categories too.
        using (var zip = await ExportDownload.CompletedZipAsync(factory, browser, user.Id))
        {
            var keysJson = new StreamReader(zip.GetEntry("api-keys.json")!.Open()).ReadToEnd();
            Assert.Contains(key.Key.Prefix, keysJson);
            Assert.DoesNotContain(key.Secret, keysJson);
            Assert.Contains("chat", new StreamReader(zip.GetEntry("usage-ledger.json")!.Open()).ReadToEnd());
            Assert.Contains(portalPrompt, new StreamReader(zip.GetEntry("conversations.json")!.Open()).ReadToEnd());
            Assert.Contains(documentPhrase, new StreamReader(zip.GetEntry("knowledge/collections.json")!.Open()).ReadToEnd());
            Assert.Contains(documentPhrase, new StreamReader(zip.GetEntry($"knowledge/files/{document.Id:N}.txt")!.Open()).ReadToEnd());
        }

        var erased = await FormPost.SubmitAsync(browser, "/privacy/erase", "erase-account", new Dictionary<string, string>
        {
            ["Input.Password"] = user.Password,
            ["Input.Confirm"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, erased.StatusCode);

        // The key stops working at once.
        var after = await api.PostAsJsonAsync("/v1/chat/completions", new { model = ApiPortalFactory.ChatModel, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        // Usage stays for the statutory period, pseudonymized; the certificate says so with the end date.
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.Empty(await db.UsageEvents.Where(e => e.UserId == user.Id).ToListAsync());
            var ids = usageBefore.Select(e => e.Id).ToList();
            var retained = await db.UsageEvents.Where(e => ids.Contains(e.Id)).ToListAsync();
            Assert.Equal(usageBefore.Count, retained.Count);
            Assert.All(retained, e => Assert.StartsWith("erased-", e.UserId));
            Assert.False(await db.ApiKeys.AnyAsync(k => k.UserId == user.Id));
            Assert.False(await db.KnowledgeCollections.AnyAsync(c => c.UserId == user.Id));
            Assert.False(await db.KnowledgeDocuments.AnyAsync(d => d.UserId == user.Id));
            Assert.False(await db.KnowledgeChunks.AnyAsync(c => c.UserId == user.Id));
        }
        var location = erased.Headers.Location!;
        var html = await browser.GetStringAsync(location.IsAbsoluteUri ? location.PathAndQuery : location.ToString());
        var certificateUrl = Regex.Match(html, "href=\"(/privacy/erasure/[^\"]+)\"").Groups[1].Value.Replace("&amp;", "&");
        var text = PdfArtifacts.Text(await browser.GetByteArrayAsync(certificateUrl));
        Assert.Contains("Usage events", text);
        Assert.Contains($"{DateTime.UtcNow.Year + 10}-12-31", text);
        Assert.Contains("API keys", text);
        Assert.Contains("Knowledge documents", text);

        // Leak scan over the whole data folder, database and WAL included.
        DataFolderScan.AssertAbsent(factory.DataDirectory, user.Email, user.DisplayName, user.Secret, portalPrompt, apiPrompt, documentPhrase);
    }
}

public sealed class ErasureEndToEndTests(ApiPortalFactory factory) : ErasureEndToEndTests<ApiPortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ErasureEndToEndPostgresTests(PostgresApiPortal factory) : ErasureEndToEndTests<PostgresApiPortal>(factory);

public abstract class ErasureInvoiceTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    [Fact]
    public async Task Erase_WithOpenPostpaidUsage_IssuesFinalInvoiceThenArchivesItUnlinked()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var dbFactory = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var organizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(user.Id);
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = user.Id, ModelId = "demo-chat", Kind = "chat", OutputTokens = 1000, AmountMicros = 5_000_000, RequestId = "req_final", At = DateTimeOffset.UtcNow });
            db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = user.Id, ModelId = "demo-chat", Kind = "chat", OutputTokens = 1000, AmountMicros = 7_000_000, Prepaid = true, RequestId = "req_prepaid", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var result = await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(user.Id, user.Id);

        await using var check = await dbFactory.CreateDbContextAsync();
        // The archive holds the invoice under no key at all (see InvoiceArchiveTests for the full scan).
        var invoice = (await check.Invoices.Where(i => i.UserId == InvoiceArchive.Unlinked).ToListAsync())
            .Single(i => i.BuyerAddress.Contains(user.DisplayName) && i.PeriodStart <= DateTimeOffset.UtcNow && i.PeriodEnd > DateTimeOffset.UtcNow);
        // All usage is invoiced (a VAT invoice for prepaid usage too); the prepaid 7 EUR show as settled from credit.
        Assert.Equal(12_000_000, invoice.NetMicros);
        Assert.Contains("<ram:TotalPrepaidAmount>7.00</ram:TotalPrepaidAmount>", System.Text.Encoding.UTF8.GetString(invoice.EInvoiceXml!));
        Assert.Contains("Zylinski", invoice.BuyerAddress);
        Assert.Contains("Invoices", PdfArtifacts.Text(result.Certificate));
        // Pseudonymized usage is never invoiced again to "nobody".
        var before = await check.Invoices.CountAsync();
        await factory.Services.GetRequiredService<PromptLeo.Web.Features.Billing.InvoiceIssuer>().IssueMonthAsync(DateTimeOffset.UtcNow);
        Assert.Equal(before, await check.Invoices.CountAsync());
    }
}

public sealed class ErasureInvoiceTests(PortalFactory factory) : ErasureInvoiceTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ErasureInvoicePostgresTests(PostgresPortal factory) : ErasureInvoiceTests<PostgresPortal>(factory);
