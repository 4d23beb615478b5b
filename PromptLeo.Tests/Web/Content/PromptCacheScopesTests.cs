using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Admin;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Sessions;

namespace PromptLeo.Tests.Web.Content;

/// <summary>
/// The prompt cache as the portal and <c>/v1</c> use it (real engine, demo GGUF): follow-ups of the same user or key
/// reuse the KV cache, nobody else's do, and erasure, restriction, signing out everywhere and key revocation drop it.
/// </summary>
public sealed class PromptCacheScopesTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private ChatService Chat => factory.Services.GetRequiredService<ChatService>();

    private IPromptCache Cache => factory.Services.GetRequiredService<IPromptCache>();

    private static ChatSettings Settings => new() { ModelId = ApiPortalFactory.ChatModel, MaxTokens = 8, Temperature = 0, Seed = 1 };

    /// <summary>Prompt tokens served from this portal's prompt cache while <paramref name="action"/> runs.</summary>
    private Task<long> CachedTokensDuringAsync(Func<Task> action) =>
        MeterSum.DuringAsync(factory.Services.GetRequiredService<LlmMetrics>().PromptCacheHitTokens, action);

    private Task<ChatTurnResult> SendAsync(string userId, string prompt, Guid? conversationId = null, bool temporary = false,
        IReadOnlyList<ChatHistoryMessage>? history = null) =>
        ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings)
        {
            Prompt = prompt, ConversationId = conversationId, Temporary = temporary, History = history ?? [],
        });

    /// <summary>A stored conversation's second turn; returns the prompt tokens it took from the cache.</summary>
    private async Task<long> FollowUpAsync(string userId, ChatTurnResult first) =>
        await CachedTokensDuringAsync(() => SendAsync(userId, "and the second point?", first.ConversationId));

    [Fact]
    public async Task PortalFollowUp_SameUser_ReusesTheCache_OtherUserNever()
    {
        var alice = await ChatServiceTests.CreateUserAsync(factory);
        var bob = await ChatServiceTests.CreateUserAsync(factory);
        var first = await SendAsync(alice, "Tell me about data privacy in the cloud");

        // Bob sends exactly Alice's history: nothing of hers is reused.
        var history = new ChatHistoryMessage[] { new(ChatRoles.User, first.UserText), new(ChatRoles.Assistant, first.AssistantText) };
        var bobCached = await CachedTokensDuringAsync(() => SendAsync(bob, "and the second point?", temporary: true, history: history));
        var aliceCached = await FollowUpAsync(alice, first);

        Assert.Equal(0, bobCached);
        Assert.True(aliceCached >= first.PromptTokens - 1, $"{aliceCached} of the first turn's {first.PromptTokens} prompt tokens reused");
    }

    [Fact]
    public async Task TemporaryChatAndZeroRetention_AreNeverKept()
    {
        var zeroRetention = await ChatServiceTests.CreateUserAsync(factory, chatRetentionDays: 0);
        var temporaryUser = await ChatServiceTests.CreateUserAsync(factory);
        var entries = Cache.EntryCount;

        foreach (var (userId, temporary) in new[] { (zeroRetention, false), (temporaryUser, true) })
        {
            var first = await SendAsync(userId, "Tell me about data privacy", temporary: temporary);
            var history = new ChatHistoryMessage[] { new(ChatRoles.User, first.UserText), new(ChatRoles.Assistant, first.AssistantText) };
            Assert.False(first.Stored);
            Assert.Equal(0, await CachedTokensDuringAsync(() => SendAsync(userId, "and the second point?", temporary: temporary, history: history)));
        }

        Assert.Equal(entries, Cache.EntryCount);
    }

    [Fact]
    public async Task SignOutEverywhereAndAdminDisable_DropTheUsersCache()
    {
        var signedOut = await ChatServiceTests.CreateUserAsync(factory);
        var disabled = await ChatServiceTests.CreateUserAsync(factory);
        var signedOutFirst = await SendAsync(signedOut, "Tell me about data privacy in the cloud");
        var disabledFirst = await SendAsync(disabled, "Tell me about data privacy in the cloud");
        var directory = factory.Services.GetRequiredService<AdminUserDirectory>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var adminId = await db.Users.Where(u => u.Email == PortalFactory.AdminEmail).Select(u => u.Id).SingleAsync();

        await factory.Services.GetRequiredService<SessionStore>().RevokeAllAsync(signedOut);
        Assert.True(await directory.SetDisabledAsync(adminId, disabled, true));
        Assert.True(await directory.SetDisabledAsync(adminId, disabled, false));

        Assert.Equal(0, await FollowUpAsync(signedOut, signedOutFirst));
        Assert.Equal(0, await FollowUpAsync(disabled, disabledFirst));
    }

    [Fact]
    public async Task Restriction_DropsTheUsersCache()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        var first = await SendAsync(userId, "Tell me about data privacy in the cloud");
        var privacy = factory.Services.GetRequiredService<PrivacyCenter>();

        await privacy.SetRestrictionAsync(userId, restricted: true);
        await privacy.SetRestrictionAsync(userId, restricted: false);

        Assert.Equal(0, await FollowUpAsync(userId, first));
    }

    [Fact]
    public async Task Erasure_DropsTheUsersCacheAndNoOneElses()
    {
        var erased = await ChatServiceTests.CreateUserAsync(factory);
        var other = await ChatServiceTests.CreateUserAsync(factory);
        await SendAsync(erased, "Tell me about data privacy in the cloud");
        var key = await factory.CreateKeyAsync(erased);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(key.Secret, [("user", "Hello from the API")])).Status);
        var otherFirst = await SendAsync(other, "Tell me about data privacy in the cloud");
        var before = Cache.EntryCount;

        await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased);

        // The portal conversation and the key's both go; the other user's stays and still serves a follow-up.
        Assert.Equal(before - 2, Cache.EntryCount);
        Assert.True(await FollowUpAsync(other, otherFirst) > 0);
    }

    [Fact]
    public async Task Api_SameKeyRepeatsAPreviousPrefix_Hits_OtherKeyDoesNot_RevocationDrops()
    {
        var userId = await factory.CreateUserAsync();
        var key = await factory.CreateKeyAsync(userId);
        var otherKey = await factory.CreateKeyAsync(userId);
        var first = await CompleteAsync(key.Secret, [("user", "Tell me about data privacy in the cloud")]);
        (string, string)[] followUp = [("user", "Tell me about data privacy in the cloud"), ("assistant", first.Text), ("user", "and the second point?")];

        var otherKeyCached = await CachedTokensDuringAsync(() => CompleteAsync(otherKey.Secret, followUp));
        var sameKeyCached = await CachedTokensDuringAsync(() => CompleteAsync(key.Secret, followUp));
        var before = Cache.EntryCount;
        Assert.True(await factory.Services.GetRequiredService<ApiKeyService>().RevokeAsync(userId, key.Key.Id));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(0, otherKeyCached);
        Assert.True(sameKeyCached >= first.PromptTokens - 1, $"{sameKeyCached} of the first request's {first.PromptTokens} prompt tokens reused");
        Assert.Equal(before - 1, Cache.EntryCount); // the revoked key's conversation; the other key's stays
    }

    [Fact]
    public async Task AdminPage_ShowsTheBytesAndEntriesTheCacheHolds()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        await SendAsync(userId, "Tell me about data privacy in the cloud");
        var admin = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);

        var html = WebUtility.HtmlDecode(await admin.GetStringAsync("/admin"));

        Assert.True(Cache.BytesHeld > 0);
        var line = Regex.Match(html, "id=\"admin-prompt-cache\"[^>]*>\\s*([^<]*)<").Groups[1].Value;
        Assert.Contains($"Prompt cache: {Cache.BytesHeld / 1e6:0.0} MB of KV cache in {Cache.EntryCount} kept conversations", line);
    }

    private async Task<(HttpStatusCode Status, string Text, int PromptTokens)> CompleteAsync(string secret, (string Role, string Content)[] messages)
    {
        var response = await factory.ClientWithKey(secret).PostAsJsonAsync("/v1/chat/completions", new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 8,
            temperature = 0,
            messages = messages.Select(m => new { role = m.Role, content = m.Content }),
        });
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (response.StatusCode != HttpStatusCode.OK)
            return (response.StatusCode, "", 0);
        var root = json.RootElement;
        return (response.StatusCode, root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!,
            root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }
}
