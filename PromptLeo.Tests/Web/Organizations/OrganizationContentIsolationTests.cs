using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>
/// Issue 18: nobody in an organization sees another member's conversations, images, presets, files or exports. User A
/// (Member) and user B (Owner, then Admin, then Billing) share one company organization, both acting for it. A has a
/// conversation, an image, a preset, a finished export and a knowledge collection with a file, all carrying a unique marker. Every route of the app
/// (<see cref="AppRoutes"/>) is either a content route, called with A's ids, where A gets the content and B (cookie or
/// B's organization API key) gets 403/404 and never a byte of it; or a route without parameters, an organization route
/// (called with the organization's id) or a declared non-content route, whose answer to B may not hold A's marker or
/// ids. A route with parameters that is none of these fails the test, so a new content route cannot slip through.
/// </summary>
public sealed class OrganizationContentIsolationTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    /// <summary>Where a member's content lives: any route under these is a content route and must be exercised below.</summary>
    private static readonly string[] ContentPrefixes = ["/chat", "/images", "/privacy/exports", "/files", "/presets", "/conversations"];

    /// <summary>Content routes with the path that asks for A's item ({conversation}, {image}, {export} are A's ids).</summary>
    private static readonly Dictionary<string, string[]> ContentRoutes = new()
    {
        ["GET /chat/{Id:guid}"] = ["/chat/{conversation}"],
        ["GET /chat/{id:guid}/export"] = ["/chat/{conversation}/export"],
        ["GET /images/file/{id:guid}"] = ["/images/file/{image}", "/images/file/{image}?download=1", "/images/file/{image}?download=1&parameters=1"],
        ["GET /images/archive"] = ["/images/archive?id={image}"],
        ["GET /privacy/exports/{id:guid}/download"] = ["/privacy/exports/{export}/download"],
    };

    /// <summary>Routes with parameters that take no content id, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotContent = new()
    {
        ["GET /status/{Code:int}"] = "an HTTP status code",
        ["GET /privacy/erased/{JobId:guid}"] = "an erasure job; the certificate needs the erased user's one-time token",
        ["GET /privacy/erasure/{id:guid}/certificate"] = "sealed with the erased user's one-time token",
        ["GET /privacy/erasure/{id:guid}/documents/{name}"] = "sealed with the erased user's one-time token",
        ["POST /privacy/subprocessor-notices/{changeId:guid}/dismiss"] = "a sub-processor change, not a member's item",
        ["POST /preferences/culture/{culture}"] = "a language",
        ["POST /preferences/theme/{mode}"] = "a theme",
        ["GET /billing/invoices/{id:guid}.pdf"] = "an invoice: the customer's accounting document, not a member's content",
        ["GET /billing/invoices/{id:guid}.xml"] = "an invoice: the customer's accounting document, not a member's content",
        ["GET /billing/invoices/{id:guid}/zugferd.pdf"] = "an invoice: the customer's accounting document, not a member's content",
        ["GET /billing/payments/{id:guid}/receipt.pdf"] = "a top-up receipt: the customer's accounting document",
        ["GET /admin/incidents/{Id:int}"] = "site administrators only",
        ["GET /admin/incidents/{id:int}/authority-notice.pdf"] = "site administrators only",
        ["GET /openapi/{documentName}.json"] = "public API description",
        ["GET /api-docs/{documentName?}"] = "public API description",
        ["GET /v1/models/{id}"] = "a model id",
        ["* /v1/{**path}"] = "unknown /v1 paths (404); the content paths a client might try are called below",
        ["GET {**path:file}"] = "static files, public",
        // The collections API answers API keys only: exercised below as KnowledgeApiRoutes, with A's key and B's.
        ["GET /v1/collections/{id:guid}"] = "a collection: KnowledgeApiRoutes",
        ["POST /v1/collections/{id:guid}"] = "a collection: KnowledgeApiRoutes (rename; GET covers the lookup)",
        ["DELETE /v1/collections/{id:guid}"] = "a collection: KnowledgeApiRoutes (GET covers the lookup; CollectionsApiTests deletes)",
        ["GET /v1/collections/{id:guid}/files"] = "a collection's files: KnowledgeApiRoutes",
        ["POST /v1/collections/{id:guid}/files"] = "an upload into a collection: KnowledgeApiRoutes (GET covers the lookup)",
        ["GET /v1/collections/{id:guid}/files/{fileId:guid}"] = "a file: KnowledgeApiRoutes",
        ["DELETE /v1/collections/{id:guid}/files/{fileId:guid}"] = "a file: KnowledgeApiRoutes (GET covers the lookup; CollectionsApiTests deletes)",
    };

    /// <summary>A's knowledge collection through the API: A's key gets it, B's organization key (with the knowledge scope) never.</summary>
    private static readonly string[] KnowledgeApiRoutes =
        ["/v1/collections/{collection}", "/v1/collections/{collection}/files", "/v1/collections/{collection}/files/{file}"];

    /// <summary>Paths an API client might try for A's content with B's organization key; /v1 has no content API, so none may answer.</summary>
    private static readonly string[] ApiProbes =
    [
        "/v1/conversations/{conversation}", "/v1/chat/completions/{conversation}", "/v1/threads/{conversation}/messages",
        "/v1/images/{image}", "/v1/files/{image}", "/v1/files/{image}/content", "/v1/files/{export}/content",
    ];

    private static readonly OrganizationRole[] OtherMemberRoles = [OrganizationRole.Owner, OrganizationRole.Admin, OrganizationRole.Billing];

    [Fact]
    public async Task EveryRoute_OtherMemberInEachRole_NeverGetsAMembersContent()
    {
        var a = await factory.SignedInClientAsync();
        var b = await factory.SignedInClientAsync();
        var directory = factory.Services.GetRequiredService<OrganizationDirectory>();
        var organization = await directory.CreateAsync(b.UserId, new OrganizationDetails("Isolation GmbH", "Hauptstr. 1", "10115", "Berlin", "DE", null, "de"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = a.UserId, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        Assert.True(await directory.SetActiveAsync(a.UserId, organization));
        Assert.True(await directory.SetActiveAsync(b.UserId, organization));
        var content = await ContentOfAsync(a.UserId);
        var bKey = await factory.CreateKeyAsync(b.UserId, scopes: [ApiScopes.Chat, ApiScopes.Images, ApiScopes.Knowledge]);
        var aKey = await factory.CreateKeyAsync(a.UserId, scopes: [ApiScopes.Knowledge]);
        await using (var db = await DbAsync())
        {
            Assert.Equal(organization, await db.ApiKeys.Where(k => k.Id == bKey.Key.Id).Select(k => k.OrganizationId).SingleAsync());
            Assert.True(await db.UsageEvents.AnyAsync(e => e.UserId == a.UserId && e.OrganizationId == organization), "A's content must be made for the organization.");
        }
        var bApi = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        bApi.DefaultRequestHeaders.Authorization = new("Bearer", bKey.Secret);
        var aApi = factory.ClientWithKey(aKey.Secret);

        var routes = AppRoutes.Of(factory.Services);
        var unclassified = routes.Where(r => r.HasParameters && !ContentRoutes.ContainsKey(r.ToString()) && !NotContent.ContainsKey(r.ToString()) && !IsOrganizationRoute(r)).ToList();
        var contentUnexercised = routes.Where(r => ContentPrefixes.Any(p => r.Pattern.StartsWith(p, StringComparison.OrdinalIgnoreCase)) && r.HasParameters && !ContentRoutes.ContainsKey(r.ToString())).ToList();
        Assert.True(unclassified.Count == 0 && contentUnexercised.Count == 0,
            "Classify each route with parameters in OrganizationContentIsolationTests: a content route (ContentRoutes, called with a member's ids) or NotContent with the reason.\n  "
            + string.Join("\n  ", unclassified.Concat(contentUnexercised).Distinct()));
        Assert.Empty(ContentRoutes.Keys.Except(routes.Select(r => r.ToString())));

        // The paths are right: A gets each item, so B's 404 below is a refusal, not a wrong URL.
        foreach (var path in ContentRoutes.Values.SelectMany(p => p).Select(content.Fill))
        {
            using var own = await a.Client.GetAsync(path);
            Assert.True(own.StatusCode == HttpStatusCode.OK, $"A's own {path}: {own.StatusCode}");
        }
        foreach (var path in KnowledgeApiRoutes.Select(content.Fill))
        {
            using var own = await aApi.GetAsync(path);
            Assert.True(own.StatusCode == HttpStatusCode.OK, $"A's own {path}: {own.StatusCode}");
        }
        // And the marker check sees content where it is: in A's own conversation export and A's chat page.
        Assert.Contains(content.Marker, await a.Client.GetStringAsync(content.Fill("/chat/{conversation}/export")));
        Assert.Contains(content.Marker, await a.Client.GetStringAsync("/chat"));

        var leaks = new List<string>();
        foreach (var role in OtherMemberRoles)
        {
            await using (var db = await DbAsync())
            {
                await db.OrganizationMembers.Where(m => m.OrganizationId == organization && m.UserId == b.UserId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, role));
            }
            foreach (var path in ContentRoutes.Values.SelectMany(p => p).Select(content.Fill))
            {
                await ExpectRefusedAsync(b.Client, path, $"B as {role}", content, leaks);
                await ExpectRefusedAsync(bApi, path, $"B's organization key as {role}", content, leaks);
            }
            foreach (var path in ApiProbes.Concat(KnowledgeApiRoutes).Select(content.Fill))
            {
                await ExpectRefusedAsync(bApi, path, $"B's organization key as {role}", content, leaks);
            }
            foreach (var route in routes.Where(r => r.Method is "GET" or "*" && !ContentRoutes.ContainsKey(r.ToString())))
            {
                var path = route.HasParameters ? IsOrganizationRoute(route) ? FillAll(route.Pattern, organization.ToString()) : null : route.Pattern;
                if (path is not null)
                {
                    await ExpectNoContentAsync(b.Client, path, $"B as {role}", content, leaks);
                }
            }
        }
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    /// <summary>A's items, made through the real services while A acts for the organization, each carrying the marker.</summary>
    private async Task<MemberContent> ContentOfAsync(string userId)
    {
        var marker = $"isolation{Guid.NewGuid():N}"[..21];
        var services = factory.Services;
        var chat = await ChatServiceTests.RunAsync(services.GetRequiredService<ChatService>(), new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 2, SystemPrompt = marker }) { Prompt = marker + " secret plan" });
        var image = await services.GetRequiredService<ImageStudioService>().GenerateAsync(userId,
            new StudioRequest { ModelId = ApiPortalFactory.ImageModel, Prompt = marker + " secret sketch", Width = 64, Height = 64, Steps = 1, Seed = 1 });
        await services.GetRequiredService<ConversationStore>().SavePresetAsync(userId, marker + " preset", new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, SystemPrompt = marker });
        var exports = services.GetRequiredService<DataExportService>();
        var export = await exports.RequestAsync(userId);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await exports.ListAsync(userId)).Single(e => e.Id == export.Id).Status is ExportStatus.Queued or ExportStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(ExportStatus.Completed, (await exports.ListAsync(userId)).Single(e => e.Id == export.Id).Status);
        var knowledge = services.GetRequiredService<IKnowledgeService>();
        var collection = await knowledge.CreateCollectionAsync(userId, marker + " collection");
        var file = await knowledge.UploadAsync(userId, collection.Id, marker + ".txt", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(marker + " secret manual")));
        return new MemberContent(marker, chat.ConversationId!.Value, image.Images[0].Id!.Value, export.Id, collection.Id, file.Id);
    }

    private static async Task ExpectRefusedAsync(HttpClient client, string path, string who, MemberContent content, List<string> leaks)
    {
        using var response = await client.GetAsync(path);
        var status = (int)response.StatusCode;
        // 403/404, or the sign-in challenge (401, or 302 to the login page) for a caller the route does not accept at all.
        var refused = status is 401 or 403 or 404 || (status == 302 && response.Headers.Location?.ToString().Contains("Account/Login", StringComparison.Ordinal) == true);
        if (!refused)
        {
            leaks.Add($"{who}: GET {path} answered {status}, expected 403 or 404");
        }
        // The ids are the caller's own input here (an error page may echo the path); the marker never is.
        await ExpectNoMarkerAsync(response, path, who, [content.Marker], leaks);
    }

    private static async Task ExpectNoContentAsync(HttpClient client, string path, string who, MemberContent content, List<string> leaks)
    {
        using var response = await client.GetAsync(path);
        if ((int)response.StatusCode >= 500)
        {
            leaks.Add($"{who}: GET {path} answered {(int)response.StatusCode}");
        }
        await ExpectNoMarkerAsync(response, path, who, content.Secrets, leaks);
    }

    private static async Task ExpectNoMarkerAsync(HttpResponseMessage response, string path, string who, string[] secrets, List<string> leaks)
    {
        var body = await response.Content.ReadAsStringAsync();
        foreach (var secret in secrets.Where(s => body.Contains(s, StringComparison.OrdinalIgnoreCase)))
        {
            leaks.Add($"{who}: GET {path} holds A's {secret}");
        }
    }

    /// <summary>Organization administration lives under /organization (docs: pages under /organization/...); its ids are the organization's.</summary>
    private static bool IsOrganizationRoute(AppRoute route) => route.Pattern.StartsWith("/organization", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every parameter of the pattern filled with <paramref name="value"/> (constraints and defaults dropped).</summary>
    private static string FillAll(string pattern, string value) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", value);

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private sealed record MemberContent(string Marker, Guid Conversation, Guid Image, Guid Export, Guid Collection, Guid File)
    {
        /// <summary>What may never reach another member: the marker in every item, and the items' ids.</summary>
        public string[] Secrets => [Marker, Conversation.ToString(), Image.ToString(), Export.ToString(), Collection.ToString(), File.ToString()];

        public string Fill(string path) => path.Replace("{conversation}", Conversation.ToString()).Replace("{image}", Image.ToString()).Replace("{export}", Export.ToString())
            .Replace("{collection}", Collection.ToString()).Replace("{file}", File.ToString());
    }
}
