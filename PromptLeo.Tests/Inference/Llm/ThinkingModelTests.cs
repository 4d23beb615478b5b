using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Llm;

/// <summary>A scripted Qwen3-style GGUF through the real registry and engine: the think block streams as reasoning.</summary>
public sealed class ThinkingModelTests : IAsyncLifetime
{
    private TinyModels _models = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _models = await TinyModels.CreateAsync(ThinkingModels.Qwen3(), TinyModels.ChatModel());
        _services = _models.BuildServices();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _models.DisposeAsync();
    }

    private async Task<List<ChatUpdate>> CollectAsync(ChatRequest request)
    {
        var updates = new List<ChatUpdate>();
        await foreach (var update in _services.GetRequiredService<IChatEngine>().StreamAsync(request))
            updates.Add(update);
        return updates;
    }

    private static ChatRequest Ask(string model = ThinkingModels.Id, float temperature = 0.8f) =>
        new(model, [new ChatMessage(ChatRole.User, "What matters?")], new SamplingOptions { MaxTokens = 32, Temperature = temperature });

    [Theory]
    [InlineData(0f)]
    [InlineData(0.8f)]
    public async Task StreamAsync_ScriptedThinkingModel_SplitsReasoningFromAnswer(float temperature)
    {
        var updates = await CollectAsync(Ask(temperature: temperature));

        Assert.Equal(ThinkingModels.Reasoning, string.Concat(updates.Select(u => u.ReasoningDelta)));
        Assert.Equal(ThinkingModels.Answer, string.Concat(updates.Select(u => u.TextDelta)));
        var last = updates[^1];
        Assert.Equal(FinishReason.Stop, last.FinishReason);
        Assert.Equal(ThinkingModels.CompletionTokens, last.CompletionTokens);
        Assert.Equal(ThinkingModels.ReasoningTokens, last.ReasoningTokens);
        // Reasoning streams before the answer: no answer text until the block is closed.
        var firstText = updates.FindIndex(u => u.TextDelta.Length > 0);
        Assert.True(updates.FindLastIndex(u => u.ReasoningDelta.Length > 0) < firstText);
        Assert.True(updates.Count(u => u.ReasoningDelta.Length > 0) >= 2);
    }

    [Fact]
    public async Task StreamAsync_ThinkingOff_PromptEndsWithEmptyThinkBlockAndAnswerHasNoReasoning()
    {
        var updates = await CollectAsync(Ask() with { Thinking = false });

        Assert.Equal("", string.Concat(updates.Select(u => u.ReasoningDelta)));
        Assert.Equal(ThinkingModels.Answer, string.Concat(updates.Select(u => u.TextDelta)));
        Assert.Equal(2, updates[^1].CompletionTokens);
        Assert.Equal(0, updates[^1].ReasoningTokens);
    }

    [Fact]
    public async Task RenderText_ThinkingOff_AppendsQwen3EmptyThinkBlock()
    {
        using var lease = await _services.GetRequiredService<IModelRegistry>().AcquireAsync(ThinkingModels.Id);
        var model = (LlamaChatModel)lease.Model;

        var rendered = ChatPromptBuilder.RenderText(model.Weights, Ask().Messages, ThinkingSplitter.EmptyBlock);

        Assert.True(model.Thinks);
        Assert.Equal("<|im_start|>user\nWhat matters?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", rendered);
    }

    [Fact]
    public async Task StreamAsync_ModelWithoutThinkTokens_LeavesTextAlone()
    {
        using (var lease = await _services.GetRequiredService<IModelRegistry>().AcquireAsync("tiny-chat"))
            Assert.False(((LlamaChatModel)lease.Model).Thinks);

        var updates = await CollectAsync(Ask("tiny-chat", 0) with { Thinking = false });

        Assert.All(updates, u => Assert.Equal("", u.ReasoningDelta));
        Assert.Equal(0, updates[^1].ReasoningTokens);
        Assert.NotEqual("", string.Concat(updates.Select(u => u.TextDelta)));
    }
}
