using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// POST /v1/images/generations, /v1/images/edits and /v1/images/background-removal: parse, run as one metered request,
/// write JSON. Images are returned as base64 and never stored; only the usage event and the processing record are written.
/// </summary>
public sealed class ImagesEndpoints(
    IImageGenerator generator,
    IModelRegistry registry,
    RemoteInference.RemoteEndpointCatalog remote,
    Models.ModelAvailability availability,
    MeteredInference metered,
    IOptions<ApiOptions> options,
    IOptions<DiffusionOptions> diffusion,
    TimeProvider time,
    ILogger<ImagesEndpoints> logger)
{
    // The engine validates too, but only after the budget was reserved: out-of-range sizes must be a 400, not a 402.
    private void CheckLimits(ImageRequest request)
    {
        var d = diffusion.Value;
        if (request.Width < d.MinSize || request.Width > d.MaxWidth || request.Height < d.MinSize || request.Height > d.MaxHeight)
        {
            throw ApiException.Invalid("size", $"'size' must be between {d.MinSize}x{d.MinSize} and {d.MaxWidth}x{d.MaxHeight}.");
        }
        if (request.Steps < 1 || request.Steps > d.MaxSteps)
        {
            throw ApiException.Invalid("steps", $"'steps' must be between 1 and {d.MaxSteps}.");
        }
        if (request.BatchSize < 1 || request.BatchSize > d.MaxBatchSize)
        {
            throw ApiException.Invalid("n", $"'n' must be between 1 and {d.MaxBatchSize}.");
        }
    }

    public async Task GenerateAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        OpenAiErrors.StampHeaders(context);
        var body = await ReadJsonAsync(context, options.Value.MaxJsonBodyBytes);
        var model = String(body, "model") ?? DefaultModel(ModelKind.Diffusion, inpainting: false);
        var size = ParseSize(String(body, "size"));
        var prompt = RequiredString(body, "prompt");
        var (steps, guidance, scheduler) = (Integer(body, "steps"), Number(body, "guidance_scale") ?? Number(body, "guidance"), ParseScheduler(String(body, "scheduler")));
        var count = ImageCount(Integer(body, "n"));
        CheckResponseFormat(String(body, "response_format"));
        if (registry.Get(model) is null && remote.Find(model)?.Kind == RemoteInference.RemoteModelKinds.Image)
        {
            await RunRemoteAsync(context, caller, body, model, prompt, size, steps, count);
            return;
        }
        var capabilities = await DescribeAsync(model, context.RequestAborted);
        var request = new ImageRequest
        {
            ModelId = model,
            Prompt = prompt,
            NegativePrompt = String(body, "negative_prompt") ?? "",
            Width = size?.Width ?? capabilities.DefaultWidth,
            Height = size?.Height ?? capabilities.DefaultHeight,
            Steps = (int)(steps ?? capabilities.DefaultSteps),
            GuidanceScale = (float)(guidance ?? capabilities.DefaultGuidance),
            Seed = Integer(body, "seed"),
            BatchSize = count,
            Scheduler = scheduler ?? capabilities.DefaultScheduler,
        };
        await RunAsync(context, caller, request, capabilities, ProcessingPurpose.ImageGeneration);
    }

    public async Task EditAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        OpenAiErrors.StampHeaders(context);
        var form = await ReadFormAsync(context, options.Value.MaxUploadBodyBytes);
        var image = await ReadFileAsync(form, "image") ?? await ReadFileAsync(form, "image[]")
            ?? throw ApiException.Invalid("image", "'image' is required.", "missing_required_parameter");
        var mask = await ReadFileAsync(form, "mask");
        var model = FormString(form, "model") ?? DefaultModel(ModelKind.Diffusion, inpainting: mask is not null);
        var size = ParseSize(FormString(form, "size"));
        var prompt = FormString(form, "prompt") ?? throw ApiException.Invalid("prompt", "'prompt' is required.", "missing_required_parameter");
        var (steps, guidance, scheduler) = (FormInteger(form, "steps"), FormNumber(form, "guidance_scale") ?? FormNumber(form, "guidance"), ParseScheduler(FormString(form, "scheduler")));
        var count = ImageCount(FormInteger(form, "n"));
        var strength = FormNumber(form, "strength");
        CheckResponseFormat(FormString(form, "response_format"));
        var capabilities = await DescribeAsync(model, context.RequestAborted);
        if (!capabilities.ImageToImage)
        {
            throw ApiException.Invalid("model", $"Model '{model}' cannot edit images: it has no image-to-image support. Use /v1/images/generations, or a model that can start from an image.");
        }
        var request = new ImageRequest
        {
            ModelId = model,
            Prompt = prompt,
            NegativePrompt = FormString(form, "negative_prompt") ?? "",
            Width = size?.Width ?? capabilities.DefaultWidth,
            Height = size?.Height ?? capabilities.DefaultHeight,
            Steps = (int)(steps ?? capabilities.DefaultSteps),
            GuidanceScale = (float)(guidance ?? capabilities.DefaultGuidance),
            Seed = FormInteger(form, "seed"),
            BatchSize = count,
            Scheduler = scheduler ?? capabilities.DefaultScheduler,
            InitImage = image,
            Mask = mask,
            Strength = (float)(strength ?? 0.75),
        };
        await RunAsync(context, caller, request, capabilities, ProcessingPurpose.ImageEdit);
    }

    /// <summary>The model's defaults and abilities (loading it if needed); an unknown model is a 404 before any load.</summary>
    private Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken)
    {
        EnsureModel(modelId, ModelKind.Diffusion);
        return generator.DescribeAsync(modelId, cancellationToken);
    }

    // The engine refuses these too, but only after the budget was reserved: a request the model cannot serve must be a 400, not a 402.
    private static void CheckCapabilities(ImageRequest request, ImageModelCapabilities capabilities)
    {
        if (capabilities.MaxSteps is { } max && request.Steps > max)
        {
            throw ApiException.Invalid("steps", $"'steps' must be at most {max} for model '{request.ModelId}' (it is distilled for few steps).");
        }
        if (!capabilities.Schedulers.Contains(request.Scheduler))
        {
            throw ApiException.Invalid("scheduler", $"Model '{request.ModelId}' supports the schedulers {string.Join(", ", capabilities.Schedulers.Select(SchedulerName))}.");
        }
        if (request.Mask is not null && !capabilities.Inpainting)
        {
            throw ApiException.Invalid("mask", $"Model '{request.ModelId}' cannot repaint a masked region: it is not an inpainting model.");
        }
    }

    public async Task RemoveBackgroundAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var requestId = OpenAiErrors.RequestId(context);
        OpenAiErrors.StampHeaders(context);
        var form = await ReadFormAsync(context, options.Value.MaxUploadBodyBytes);
        var image = await ReadFileAsync(form, "image") ?? throw ApiException.Invalid("image", "'image' is required.", "missing_required_parameter");
        var model = FormString(form, "model") ?? DefaultModel(ModelKind.BackgroundRemoval, inpainting: false);
        EnsureModel(model, ModelKind.BackgroundRemoval);
        // Priced as one step over at most the maximum upload resolution; settled with the real size.
        var bound = new UsageActual(ImageCount: 1, Width: 4096, Height: 4096, Steps: 1);
        var png = await metered.RunAsync(new MeteredRequest(caller.Principal, ProcessingPurpose.BackgroundRemoval, model, bound) { RequestId = requestId }, async call =>
        {
            var png = await generator.RemoveBackgroundAsync(model, image, context.RequestAborted);
            var (w, h) = PngSize(png);
            call.Report(new UsageActual(ImageCount: 1, Width: Math.Min(w, 4096), Height: Math.Min(h, 4096), Steps: 1));
            return png;
        }, context.RequestAborted);
        await WriteImagesAsync(context, [png]);
    }

    private async Task RunAsync(HttpContext context, ApiCallerContext caller, ImageRequest request, ImageModelCapabilities capabilities, string purpose)
    {
        var requestId = OpenAiErrors.RequestId(context);
        CheckLimits(request);
        CheckCapabilities(request, capabilities);
        var bound = new UsageActual(ImageCount: request.BatchSize, Width: request.Width, Height: request.Height, Steps: request.Steps);
        var result = await metered.RunAsync(new MeteredRequest(caller.Principal, purpose, request.ModelId, bound) { RequestId = requestId }, async call =>
        {
            // A cancelled generation is charged for the steps that ran; a failed one for nothing.
            var counter = new StepCounter(step => call.Report(bound with { Steps = Math.Max(call.Produced.Steps, step) }));
            try
            {
                var result = await generator.GenerateAsync(request with { EmbedParameters = false, PreviewEvery = 0 }, counter, context.RequestAborted);
                call.Report(bound with { ImageCount = result.Images.Count, Steps = result.StepsRun });
                return result;
            }
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                call.Report(new UsageActual());
                throw;
            }
        }, context.RequestAborted);
        logger.LogInformation("Image request {RequestId} on {ModelId}: {Count} images, {Steps} steps", requestId, request.ModelId, result.Images.Count, result.StepsRun);
        await WriteImagesAsync(context, result.Images.Select(i => i.Png).ToList());
    }

    /// <summary>
    /// A model served by a remote endpoint: the validated body is forwarded through the metered path. Its defaults are not
    /// known here, so <c>steps</c> is required; without <c>size</c> the largest size is reserved and the PNGs' size settled.
    /// </summary>
    private async Task RunRemoteAsync(HttpContext context, ApiCallerContext caller, JsonElement body, string model, string prompt, (int Width, int Height)? size, long? steps, int count)
    {
        var d = diffusion.Value;
        if (steps is not { } stepCount)
        {
            throw ApiException.Invalid("steps", $"'steps' is required for '{model}': it runs on a remote inference node whose default is not known here.", "missing_required_parameter");
        }
        var (width, height) = size ?? (d.MaxWidth, d.MaxHeight);
        CheckLimits(new ImageRequest { ModelId = model, Prompt = prompt, Width = width, Height = height, Steps = (int)Math.Clamp(stepCount, 0, int.MaxValue), BatchSize = count });
        var forward = new System.Text.Json.Nodes.JsonObject { ["model"] = model, ["prompt"] = prompt, ["n"] = count, ["steps"] = stepCount, ["response_format"] = "b64_json" };
        if (size is not null)
        {
            forward["size"] = $"{width}x{height}";
        }
        foreach (var name in new[] { "negative_prompt", "guidance_scale", "seed", "scheduler" })
        {
            if (body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                forward[name] = System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText());
            }
        }
        var bound = new UsageActual(ImageCount: count, Width: width, Height: height, Steps: (int)stepCount);
        var images = await metered.RunAsync(new MeteredRequest(caller.Principal, ProcessingPurpose.ImageGeneration, model, bound) { RequestId = OpenAiErrors.RequestId(context) }, async call =>
        {
            context.Response.Headers["X-Processing-Region"] = call.Target.Region;
            var pngs = await (call.Target.RemoteImages ?? throw new ModelNotFoundException(model)).GenerateAsync(forward, context.RequestAborted);
            var (w, h) = PngSize(pngs[0]);
            call.Report(bound with { ImageCount = Math.Min(pngs.Count, count), Width = Math.Clamp(w, 1, width), Height = Math.Clamp(h, 1, height) });
            return pngs;
        }, context.RequestAborted);
        logger.LogInformation("Image request {RequestId} on remote model {ModelId}: {Count} images", OpenAiErrors.RequestId(context), model, images.Count);
        await WriteImagesAsync(context, images);
    }

    private async Task WriteImagesAsync(HttpContext context, IReadOnlyList<byte[]> images)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
        json.WriteStartArray("data");
        foreach (var png in images)
        {
            json.WriteStartObject();
            json.WriteBase64String("b64_json", png);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("output_format", "png");
        json.WriteEndObject();
        await json.FlushAsync(CancellationToken.None);
    }

    private void EnsureModel(string modelId, ModelKind kind)
    {
        if (registry.Get(modelId) is not { } status || status.Manifest.Kind != kind)
        {
            throw new ModelNotFoundException(modelId);
        }
    }

    private string DefaultModel(ModelKind kind, bool inpainting)
    {
        var models = registry.List().Where(m => m.Manifest.Kind == kind && availability.IsOffered(m.Manifest.Id)).Select(m => m.Manifest.Id).Order(StringComparer.Ordinal).ToList();
        // Inpainting models carry it in their id by convention; without a match any diffusion model is tried.
        var pick = models.FirstOrDefault(id => id.Contains("inpaint", StringComparison.OrdinalIgnoreCase) == inpainting) ?? models.FirstOrDefault();
        return pick ?? throw ApiException.Invalid("model", "'model' is required: no default model is installed.", "missing_required_parameter");
    }

    private int ImageCount(long? n)
    {
        var max = options.Value.MaxImagesPerRequest;
        if (n is { } count && (count < 1 || count > max))
        {
            throw ApiException.Invalid("n", $"'n' must be between 1 and {max}.");
        }
        return (int)(n ?? 1);
    }

    /// <summary>The requested size, or null for the model's own default ("auto" or omitted).</summary>
    private static (int Width, int Height)? ParseSize(string? size)
    {
        if (size is null or "auto")
        {
            return null;
        }
        var parts = size.Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h))
        {
            throw ApiException.Invalid("size", "'size' must look like 512x512.");
        }
        return (w, h);
    }

    /// <summary>The named scheduler, or null for the model's default.</summary>
    private static SchedulerKind? ParseScheduler(string? name) => name?.ToLowerInvariant().Replace("_", "").Replace("-", "") switch
    {
        null => null,
        "euler" => SchedulerKind.Euler,
        "eulerancestral" or "eulera" => SchedulerKind.EulerAncestral,
        "ddim" => SchedulerKind.Ddim,
        "lms" => SchedulerKind.Lms,
        "lcm" => SchedulerKind.Lcm,
        "flowmatcheuler" => SchedulerKind.FlowMatchEuler,
        _ => throw ApiException.Invalid("scheduler", "'scheduler' must be one of euler, euler_ancestral, ddim, lms, lcm, flow_match_euler."),
    };

    /// <summary>The API spelling of a scheduler, as <see cref="ParseScheduler"/> reads it.</summary>
    private static string SchedulerName(SchedulerKind kind) => kind switch
    {
        SchedulerKind.EulerAncestral => "euler_ancestral",
        SchedulerKind.FlowMatchEuler => "flow_match_euler",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static void CheckResponseFormat(string? format)
    {
        if (format is not (null or "b64_json"))
        {
            throw ApiException.Invalid("response_format", "Only 'b64_json' is supported: the API stores no images, so it cannot serve URLs.");
        }
    }

    private static (int Width, int Height) PngSize(byte[] png) =>
        png.Length >= 24 ? (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4))) : (0, 0);

    // Synchronous on purpose: Progress<T> posts to the thread pool, so a cancel could settle before the last steps are counted.
    private sealed class StepCounter(Action<int> report) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => report(value.Step);
    }
}
