using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// Tiny random-weight GGUFs with the real chat templates and tool tokens of the families that have a tool-call format:
/// Llama 3.2 (<c>ipython</c>, <c>&lt;|python_tag|&gt;</c>), Qwen2.5 (<c>&lt;tool_call&gt;</c> as a user-defined token, as
/// in its tokenizer) and Mistral v3 (<c>[AVAILABLE_TOOLS]</c>, <c>[TOOL_CALLS]</c>, <c>[TOOL_RESULTS]</c> as control tokens).
/// </summary>
public static class ToolModels
{
    public const string Llama = "tiny-llama32-tools";
    public const string Qwen = "tiny-qwen25-tools";
    public const string Mistral = "tiny-mistral-v3-tools";

    public static readonly string[] All = [Llama, Qwen, Mistral];

    public static IEnumerable<DemoChatModelOptions> Options() =>
    [
        TinyModels.ChatModel(Llama) with
        {
            ChatTemplate = RealChatTemplates.Llama32,
            ControlTokens = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"],
            EosToken = "<|end_of_text|>",
            EotToken = "<|eot_id|>",
        },
        TinyModels.ChatModel(Qwen) with
        {
            ChatTemplate = RealChatTemplates.Qwen25,
            ControlTokens = ["<|endoftext|>"],
            UserTokens = ["<tool_call>", "</tool_call>"],
        },
        TinyModels.ChatModel(Mistral) with
        {
            ChatTemplate = RealChatTemplates.MistralV3,
            ControlTokens = ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"],
            EosToken = "</s>",
        },
    ];
}

/// <summary>The portal with the demo models plus the <see cref="ToolModels"/> in its models folder.</summary>
public sealed class ToolsPortalFactory : ApiPortalFactory, IAsyncLifetime
{
    private string ModelsDirectory => Path.Combine(DataDirectory, "models");

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Inference:ModelsDirectory"] = ModelsDirectory,
    };

    public async Task InitializeAsync()
    {
        foreach (var model in ToolModels.Options())
            await DemoChatModelWriter.WriteAsync(ModelsDirectory, model);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
