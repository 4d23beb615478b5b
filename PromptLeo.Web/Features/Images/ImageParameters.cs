using System.Globalization;
using System.Text;
using System.Text.Json;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Web.Features.Images;

/// <summary>What produced an image; stored encrypted with the image and used for "reuse parameters" and downloads.</summary>
public sealed record ImageParameters
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public int Steps { get; init; }
    public float Guidance { get; init; }
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Euler;
    public long Seed { get; init; }
    /// <summary>img2img strength; null for text-to-image and background removal.</summary>
    public float? Strength { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ImageParameters FromJson(string json) => JsonSerializer.Deserialize<ImageParameters>(json, Json) ?? new ImageParameters();

    /// <summary>The AUTOMATIC1111 "parameters" text that image tools read from a PNG.</summary>
    public string ToA1111(string modelId, int width, int height)
    {
        var text = new StringBuilder(Prompt);
        if (NegativePrompt.Length > 0)
        {
            text.Append("\nNegative prompt: ").Append(NegativePrompt);
        }
        text.Append(CultureInfo.InvariantCulture, $"\nSteps: {Steps}, Sampler: {SamplerName(Scheduler)}, CFG scale: {Guidance:0.##}, Seed: {Seed}, Size: {width}x{height}, Model: {modelId}");
        if (Strength is { } strength)
        {
            text.Append(CultureInfo.InvariantCulture, $", Denoising strength: {strength:0.##}");
        }
        return text.ToString();
    }

    private static string SamplerName(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Euler => "Euler",
        SchedulerKind.EulerAncestral => "Euler a",
        SchedulerKind.Ddim => "DDIM",
        SchedulerKind.Lms => "LMS",
        SchedulerKind.Lcm => "LCM",
        // Forge and ComfyUI label FLUX's flow-matching sampler "Euler" too; tools reading the chunk know that name.
        SchedulerKind.FlowMatchEuler => "Euler",
        _ => kind.ToString(),
    };
}
