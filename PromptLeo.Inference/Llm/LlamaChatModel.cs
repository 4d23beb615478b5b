using LLama;
using PromptLeo.Inference.Llm.Tools;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

/// <summary>A loaded GGUF chat model: the weights and the batch loop that serves them.</summary>
internal sealed class LlamaChatModel(
    ModelManifest manifest,
    LLamaWeights weights,
    ContinuousBatchScheduler scheduler,
    DeviceStatus device,
    long residentBytes) : ILoadedModel
{
    public ModelManifest Manifest { get; } = manifest;
    public long ResidentBytes { get; } = residentBytes;
    public DeviceStatus Device { get; } = device;
    public LLamaWeights Weights { get; } = weights;
    public ContinuousBatchScheduler Scheduler { get; } = scheduler;
    /// <summary>The model writes a <c>&lt;think&gt;</c> block before its answer (Qwen3, DeepSeek-R1).</summary>
    public bool Thinks { get; } = ThinkingSplitter.IsThinkingModel(weights);
    /// <summary>How the model's family is shown tools and writes calls; null when its template has no tool format.</summary>
    public ToolCallFormat? ToolFormat { get; } = ToolCallFormat.Detect(weights, ThinkingSplitter.IsThinkingModel(weights));

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        Weights.Dispose();
    }
}
