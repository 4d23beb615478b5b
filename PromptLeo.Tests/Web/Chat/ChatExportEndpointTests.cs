using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Web.Chat;

public sealed class ChatExportEndpointTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Password = "Export-Passw0rd-1";

    private async Task<(HttpClient Client, string UserId)> SignedInAsync()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"export-{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);
        await using var scope = factory.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
        return (client, user!.Id);
    }

    private async Task<Guid> ConversationAsync(string userId, string prompt)
    {
        var chat = factory.Services.GetRequiredService<ChatService>();
        var result = await ChatServiceTests.RunAsync(chat, new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 8, SystemPrompt = "Be brief." }) { Prompt = prompt });
        return result.ConversationId!.Value;
    }

    [Fact]
    public async Task Export_Markdown_OwnerGetsFile_NotCached()
    {
        var (client, userId) = await SignedInAsync();
        var id = await ConversationAsync(userId, "Export-Frage über Äpfel");

        var response = await client.GetAsync($"/chat/{id}/export?format=md");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString());
        Assert.True(response.Headers.CacheControl.Private);
        Assert.Equal($"chat-{id}.md", response.Content.Headers.ContentDisposition!.FileName);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("## User", text);
        Assert.Contains("Export-Frage über Äpfel", text);
        Assert.Contains("## Assistant", text);
        Assert.Contains("## System prompt", text);
        Assert.Contains("Be brief.", text);
    }

    [Fact]
    public async Task Export_MarkdownInGerman_HeadingsInGerman()
    {
        var (client, userId) = await SignedInAsync();
        var id = await ConversationAsync(userId, "Frage auf Deutsch");
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/chat", "/preferences/culture/de", new Dictionary<string, string> { ["ReturnUrl"] = "/chat" })).StatusCode);

        var text = await (await client.GetAsync($"/chat/{id}/export?format=md")).Content.ReadAsStringAsync();

        Assert.Contains("## Sie", text);
        Assert.Contains("## Assistent", text);
        Assert.Contains("## System-Prompt", text);
        Assert.Contains("- Modell: ", text);
        Assert.Contains("- Erstellt: ", text);
        Assert.DoesNotContain("## User", text);
        Assert.DoesNotContain("Assistant", text);
    }

    [Fact]
    public async Task Export_Json_HasMessagesWithRolesAndTokens()
    {
        var (client, userId) = await SignedInAsync();
        var id = await ConversationAsync(userId, "json please");

        var response = await client.GetAsync($"/chat/{id}/export?format=json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var messages = json.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("json please", messages[0].GetProperty("content").GetString());
        Assert.True(messages[1].GetProperty("outputTokens").GetInt32() > 0);
        Assert.Equal(DemoModelInstaller.DemoChatModelId, json.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Export_EditedConversation_JsonMarkdownAndDataExportHoldEveryVersion()
    {
        var (client, userId) = await SignedInAsync();
        var id = await ConversationAsync(userId, "erste Fassung");
        var chat = factory.Services.GetRequiredService<ChatService>();
        await ChatServiceTests.RunAsync(chat, new ChatTurnRequest(userId, ChatTurnKind.Edit,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 8 }) { ConversationId = id, EditIndex = 0, Prompt = "zweite Fassung" });

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/chat/{id}/export?format=json"));
        var active = json.RootElement.GetProperty("messages")[0];
        Assert.Equal("zweite Fassung", active.GetProperty("content").GetString());
        Assert.Equal((2, 2), (active.GetProperty("version").GetInt32(), active.GetProperty("versions").GetInt32()));
        var others = json.RootElement.GetProperty("otherVersions").EnumerateArray().ToList();
        Assert.Equal(2, others.Count);
        Assert.Equal("erste Fassung", others[0].GetProperty("content").GetString());
        Assert.Equal(others[0].GetProperty("id").GetGuid(), others[1].GetProperty("parentId").GetGuid());

        var markdown = await client.GetStringAsync($"/chat/{id}/export?format=md");
        Assert.Contains("## User · message 1, version 2 of 2", markdown);
        Assert.Contains("## Other versions", markdown);
        Assert.Contains("### User · message 1, version 1 of 2", markdown);
        // The title is the first message; after it, the active version comes first and the earlier one under "Other versions".
        var other = markdown.IndexOf("## Other versions", StringComparison.Ordinal);
        Assert.InRange(markdown.IndexOf("zweite Fassung", StringComparison.Ordinal), 0, other);
        Assert.True(markdown.IndexOf("erste Fassung", other, StringComparison.Ordinal) > other);

        using var zip = await ExportDownload.CompletedZipAsync(factory, client, userId);
        using var archive = JsonDocument.Parse(zip.GetEntry("conversations.json")!.Open());
        var messages = archive.RootElement[0].GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(4, messages.Count);
        var contents = messages.Where(m => m.GetProperty("role").GetString() == "user")
            .ToDictionary(m => m.GetProperty("content").GetString()!, m => m.GetProperty("activePath").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["erste Fassung"] = false, ["zweite Fassung"] = true }, contents);
        Assert.All(messages.Where(m => m.GetProperty("role").GetString() == "assistant"),
            m => Assert.Contains(messages, u => u.GetProperty("id").GetGuid() == m.GetProperty("parentId").GetGuid()));
    }

    [Fact]
    public async Task Export_OtherUsersOrUnknownConversation_Returns404()
    {
        var (_, aliceId) = await SignedInAsync();
        var (bobClient, _) = await SignedInAsync();
        var alices = await ConversationAsync(aliceId, "private to alice");

        var foreign = await bobClient.GetAsync($"/chat/{alices}/export?format=md");
        var unknown = await bobClient.GetAsync($"/chat/{Guid.NewGuid()}/export?format=md");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.DoesNotContain("private to alice", await foreign.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Export_Anonymous_Is401_AndBadFormatIs400()
    {
        var anonymous = await factory.CreateBrowserLikeClient().GetAsync($"/chat/{Guid.NewGuid()}/export?format=md");
        // .NET 10 answers API endpoints with 401 instead of a login redirect.
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var (client, userId) = await SignedInAsync();
        var id = await ConversationAsync(userId, "format");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/chat/{id}/export?format=html")).StatusCode);
    }

    [Fact]
    public async Task ChatPage_ZeroRetentionAccount_SaysNothingIsStored()
    {
        var (client, userId) = await SignedInAsync();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByIdAsync(userId);
            user!.ChatRetentionDays = 0;
            await users.UpdateAsync(user);
        }

        var html = await client.GetStringAsync("/chat");

        Assert.Contains("id=\"chat-zero-retention\"", html);
        Assert.Contains("nothing is stored", html);
    }

    [Fact]
    public async Task ChatPage_ForeignConversation_ShowsNotFound_WithoutContent()
    {
        var (_, aliceId) = await SignedInAsync();
        var (bobClient, _) = await SignedInAsync();
        var alices = await ConversationAsync(aliceId, "alice only text");

        var response = await bobClient.GetAsync($"/chat/{alices}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("id=\"not-found\"", html);
        Assert.DoesNotContain("alice only text", html);
        var unknown = await bobClient.GetAsync($"/chat/{Guid.NewGuid()}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
