using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Llm;

/// <summary>A GGUF whose chat template llama.cpp cannot apply fails at load with the reason, not on a request with a wrong prompt.</summary>
public sealed class ChatTemplateLoadTests
{
    // A Jinja template with none of the markers llama.cpp's built-in families are detected by.
    internal const string UnknownTemplate =
        "{% for m in messages %}{{ '### ' + m['role'] | upper + ':\\n' + m['content'] + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '### ASSISTANT:\\n' }}{% endif %}";

    private static async Task<(ModelLoadException Error, ModelStatus Status)> LoadFailureAsync(string template)
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("odd-template") with { ChatTemplate = template });
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();

        var error = await Assert.ThrowsAsync<ModelLoadException>(async () => (await registry.AcquireAsync("odd-template")).Dispose());

        return (error, registry.Get("odd-template")!);
    }

    [Fact]
    public async Task AcquireAsync_UnknownJinjaTemplate_FailsWithReason()
    {
        var (error, status) = await LoadFailureAsync(UnknownTemplate);

        Assert.Equal("model.gguf: llama.cpp does not recognise the model's chat template (tokenizer.chat_template), so it cannot " +
                     "build prompts for it. Use a model of a supported family (Llama 3, Qwen/ChatML, Mistral, Gemma, Phi, …).", error.Message);
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Equal(error.Message, status.Error);
        Assert.Equal(0, status.ResidentBytes);
    }

    [Fact]
    public async Task AcquireAsync_NoChatTemplate_FailsWithReason()
    {
        var (error, status) = await LoadFailureAsync("");

        Assert.StartsWith("model.gguf: the file has no chat template (tokenizer.chat_template)", error.Message);
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Equal(error.Message, status.Error);
    }

    [Fact]
    public async Task Validate_NoChatTemplateWritten_HeaderHasNone()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("odd-template") with { ChatTemplate = "" });

        var info = GgufFileValidator.Validate(Path.Combine(models.ModelsDirectory, "odd-template", "model.gguf"));

        Assert.False(info.HasChatTemplate);
    }
}
