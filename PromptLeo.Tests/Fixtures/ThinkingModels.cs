using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A tiny Qwen3-style GGUF (real Qwen3 template, <c>&lt;think&gt;</c>/<c>&lt;/think&gt;</c> as user-defined tokens,
/// <c>&lt;|im_end|&gt;</c> as EOS) scripted so the real engine answers every prompt with
/// <c>&lt;think&gt; privacy data&lt;/think&gt;\n\n hello world&lt;|im_end|&gt;</c>, and, when the prompt already ends
/// with Qwen3's empty think block (thinking off), with <c> hello world&lt;|im_end|&gt;</c>.
/// </summary>
public static class ThinkingModels
{
    public const string Id = "tiny-qwen3-thinking";
    public const string Reasoning = "privacy data";
    public const string Answer = "hello world";

    /// <summary>Tokens generated with thinking on: &lt;think&gt;, two words, &lt;/think&gt;, "\n\n", two words (the EOS is not counted).</summary>
    public const int CompletionTokens = 7;

    /// <summary>Tokens of the think block, its tags included.</summary>
    public const int ReasoningTokens = 4;

    public static DemoChatModelOptions Qwen3(string id = Id) => TinyModels.ChatModel(id) with
    {
        ChatTemplate = RealChatTemplates.Qwen3,
        ControlTokens = ["<|endoftext|>"],
        UserTokens = ["<think>", "</think>"],
        ExtraPieces = ["\n\n"],
        // The generation prompt "<|im_start|>assistant\n" ends with the newline byte; Qwen3's empty think block with "\n\n".
        Script = ["<0x0A>", "<think>", "▁privacy", "▁data", "</think>", "\n\n", "▁hello", "▁world", "<|im_end|>"],
    };
}

/// <summary>
/// The portal with the demo models plus <see cref="ThinkingModels.Qwen3"/> and a chat model whose template llama.cpp
/// does not know (<see cref="UnknownTemplateModel"/>) in its models folder.
/// </summary>
public sealed class ThinkingPortalFactory : ApiPortalFactory, IAsyncLifetime
{
    public const string UnknownTemplateModel = "tiny-unknown-template";

    private string ModelsDirectory => Path.Combine(DataDirectory, "models");

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Inference:ModelsDirectory"] = ModelsDirectory,
    };

    public async Task InitializeAsync()
    {
        await DemoChatModelWriter.WriteAsync(ModelsDirectory, ThinkingModels.Qwen3());
        await DemoChatModelWriter.WriteAsync(ModelsDirectory,
            TinyModels.ChatModel(UnknownTemplateModel) with { ChatTemplate = Inference.Llm.ChatTemplateLoadTests.UnknownTemplate });
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
