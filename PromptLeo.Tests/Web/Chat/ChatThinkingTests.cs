using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Chat;

/// <summary>Portal chat with the scripted Qwen3 GGUF through the real engine: reasoning streams, is stored, exported and erased with the answer.</summary>
public sealed class ChatThinkingTests(ThinkingPortalFactory factory) : IClassFixture<ThinkingPortalFactory>
{
    private const string StoredAnswer = "<think>" + ThinkingModels.Reasoning + "</think>" + ThinkingModels.Answer;

    private ChatService Chat => factory.Services.GetRequiredService<ChatService>();

    private static ChatSettings Settings => new() { ModelId = ThinkingModels.Id, MaxTokens = 32 };

    private async Task<(ChatTurnResult Result, List<ChatStreamUpdate> Updates)> SendAsync(string userId, string prompt, Guid? conversationId = null)
    {
        var turn = await Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings) { Prompt = prompt, ConversationId = conversationId });
        var updates = new List<ChatStreamUpdate>();
        await foreach (var update in turn.ReadUpdatesAsync())
            updates.Add(update);
        return (await turn.Completion, updates);
    }

    [Fact]
    public async Task Send_ThinkingModel_StreamsReasoningFirst_StoresItEncryptedWithTheAnswer_BilledAsOutput()
    {
        var userId = await factory.CreateUserAsync();

        var (result, updates) = await SendAsync(userId, "What matters?");

        Assert.Equal(ThinkingModels.Reasoning, string.Concat(updates.Select(u => u.ReasoningDelta)));
        Assert.Equal(ThinkingModels.Answer, string.Concat(updates.Select(u => u.TextDelta)));
        Assert.True(updates.FindLastIndex(u => u.ReasoningDelta.Length > 0) < updates.FindIndex(u => u.TextDelta.Length > 0));
        Assert.Equal(ThinkingModels.Reasoning, result.Thinking);
        Assert.Equal(ThinkingModels.Answer, result.AssistantText);
        Assert.Equal(ThinkingModels.CompletionTokens, result.CompletionTokens);
        Assert.Equal(ThinkingModels.CompletionTokens, Assert.Single(await factory.UsageEventsAsync(userId)).OutputTokens);

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var row = await db.ConversationMessages.SingleAsync(m => m.ConversationId == result.ConversationId && m.Role == ChatRoles.Assistant);
        Assert.DoesNotContain("privacy", Encoding.UTF8.GetString(row.ContentCipher), StringComparison.Ordinal);
        // One encrypted text holds both, so whatever erases or exports the message does so for the reasoning too.
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        Assert.Equal(StoredAnswer, await cipher.DecryptStringAsync(userId, ContentPurpose.Message, row.ContentCipher));
        Assert.Equal(ThinkingModels.CompletionTokens, row.OutputTokens);

        var view = await factory.Services.GetRequiredService<ConversationStore>().GetAsync(userId, result.ConversationId!.Value);
        Assert.Equal(ThinkingModels.Answer, view!.Messages[1].Content);
        Assert.Equal(ThinkingModels.Reasoning, view.Messages[1].Thinking);
        Assert.Null(view.Messages[0].Thinking);
    }

    [Fact]
    public async Task Send_SecondTurn_EarlierReasoningIsNotSentBackToTheModel()
    {
        var userId = await factory.CreateUserAsync();
        var (first, _) = await SendAsync(userId, "What matters?");

        var (second, _) = await SendAsync(userId, "And then?", first.ConversationId);

        using var lease = await factory.Services.GetRequiredService<IModelRegistry>().AcquireAsync(ThinkingModels.Id);
        var weights = ((LlamaChatModel)lease.Model).Weights;
        var withoutReasoning = ChatPromptBuilder.Tokenize(weights, [
            new ChatMessage(ChatRole.User, "What matters?"), new ChatMessage(ChatRole.Assistant, ThinkingModels.Answer), new ChatMessage(ChatRole.User, "And then?")]);
        Assert.Equal(withoutReasoning.Length, second.PromptTokens);
    }

    [Fact]
    public async Task Export_ThinkingAnswer_CarriesReasoningSeparately()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var (result, _) = await SendAsync(userId, "What matters?");
        var id = result.ConversationId!.Value;

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/chat/{id}/export?format=json"));
        var answer = json.RootElement.GetProperty("messages")[1];
        Assert.Equal(ThinkingModels.Answer, answer.GetProperty("content").GetString());
        Assert.Equal(ThinkingModels.Reasoning, answer.GetProperty("thinking").GetString());
        var markdown = await client.GetStringAsync($"/chat/{id}/export?format=md");
        Assert.Contains($"<details><summary>Thinking</summary>\n\n{ThinkingModels.Reasoning}\n\n</details>\n\n{ThinkingModels.Answer}", markdown.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        using var zip = await ExportDownload.CompletedZipAsync(factory, client, userId);
        using var conversations = JsonDocument.Parse(zip.GetEntry("conversations.json")!.Open());
        var messages = conversations.RootElement[0].GetProperty("messages");
        Assert.Equal(ThinkingModels.Answer, messages[1].GetProperty("content").GetString());
        Assert.Equal(ThinkingModels.Reasoning, messages[1].GetProperty("thinking").GetString());
        Assert.False(messages[0].TryGetProperty("thinking", out _));
    }

    [Fact]
    public async Task Delete_ThinkingConversation_RemovesTheRowThatHeldTheReasoning()
    {
        var userId = await factory.CreateUserAsync();
        var (result, _) = await SendAsync(userId, "What matters?");

        Assert.True(await factory.Services.GetRequiredService<ConversationStore>().DeleteAsync(userId, result.ConversationId!.Value));

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == result.ConversationId));
    }

    [Theory]
    [InlineData(null, "hello", "hello")]
    [InlineData("why", "hello", "<think>why</think>hello")]
    [InlineData(null, "<think>literal</think> text", "<think></think><think>literal</think> text")]
    public void ChatAnswerText_ComposeThenSplit_RoundTrips(string? thinking, string answer, string stored)
    {
        var composed = ChatAnswerText.Compose(thinking, answer);

        Assert.Equal(stored, composed);
        Assert.Equal((thinking, answer), ChatAnswerText.Split(composed));
        Assert.Equal((null, composed), ChatAnswerText.SplitMessage(ChatRoles.User, composed));
    }
}
