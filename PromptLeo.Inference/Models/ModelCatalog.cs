namespace PromptLeo.Inference.Models;

/// <summary>One file of a model package in its Hugging Face repository.</summary>
/// <param name="Path">Path in the repository, for example <c>unet/model.onnx</c>.</param>
/// <param name="Sha256">Pinned hash, or null to verify against the hash Hugging Face reports (<c>X-Linked-Etag</c>).</param>
/// <param name="SizeBytes">Size when known (for the disk check before the server reports it).</param>
/// <param name="LocalPath">Path in the installed model folder when it differs (a loader expects <c>model.onnx</c> at the top).</param>
/// <param name="Repository">Another repository to take this file from (FLUX's ONNX export lacks the tokenizers).</param>
public sealed record ModelPackageFile(string Path, string? Sha256 = null, long? SizeBytes = null, string? LocalPath = null, string? Repository = null)
{
    /// <summary>Where the file lands in the model folder.</summary>
    public string TargetPath => LocalPath ?? Path;
}

/// <summary>The hardware a catalog entry is sized for.</summary>
public enum ModelHardware
{
    Cpu,
    Gpu24GB,
    Gpu80GB,
}

/// <summary>A model the portal can install with one click: one file or a repository with a file list.</summary>
public sealed record ModelCatalogEntry
{
    /// <summary>Registry id and folder name.</summary>
    public required string Id { get; init; }
    /// <summary>Name shown in the portal.</summary>
    public required string DisplayName { get; init; }
    public required ModelKind Kind { get; init; }
    /// <summary>Hugging Face repository, for example <c>Qwen/Qwen3-8B-GGUF</c>.</summary>
    public required string Repository { get; init; }
    /// <summary>Branch, tag or commit of the repository.</summary>
    public string Revision { get; init; } = "main";
    /// <summary>The files to fetch; a GGUF chat model has one.</summary>
    public required IReadOnlyList<ModelPackageFile> Files { get; init; }
    /// <summary>License of the weights (shown before installing).</summary>
    public required string License { get; init; }
    /// <summary>
    /// The license restricts use (non-commercial, revenue thresholds, acceptable-use or attribution conditions): an admin
    /// must accept it explicitly before the download, and the acceptance is audit-logged.
    /// </summary>
    public bool RequiresLicenseAcceptance { get; init; }
    /// <summary>What the restriction is, in one sentence (shown next to the acceptance checkbox).</summary>
    public string? LicenseConditions { get; init; }
    /// <summary>Trained context length in tokens (chat models).</summary>
    public int ContextLength { get; init; }
    /// <summary>Total download size, for the UI and the disk-space check before the server reports sizes.</summary>
    public required long ApproximateSizeBytes { get; init; }
    public ModelHardware Hardware { get; init; } = ModelHardware.Cpu;
    /// <summary>Defaults written into the manifest (steps, guidance, width, height).</summary>
    public IReadOnlyDictionary<string, double> DefaultParameters { get; init; } = new Dictionary<string, double>();
    /// <summary>Loader settings written into the manifest (for example a segmentation model's input size).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    /// <summary>How the repository and file names were checked (see docs/operations.md, "Model catalog").</summary>
    public required string Verification { get; init; }
}

/// <summary>
/// Real models to install: GGUF chat and embedding models for LLamaSharp 0.30, diffusers/optimum ONNX image models and
/// ONNX background-removal models. Names were checked against public listings with the project's search tools, not live
/// against huggingface.co (no network there); <see cref="ModelCatalogEntry.Verification"/> says how, per entry.
/// </summary>
public static class ModelCatalog
{
    private const string QwenLicense = "Apache-2.0";
    private const string Llama32License = "Llama 3.2 Community License";
    private const string LlamaConditions =
        "Llama Community License: attribution (\"Built with Llama\"), Meta's Acceptable Use Policy, and a separate license from Meta above 700 million monthly active users.";
    private const string StabilityConditions =
        "Stability AI Community License: free for research, non-commercial use and organisations under USD 1M annual revenue; above that an Enterprise license from Stability AI is required.";
    private const string StabilityLicense = "Stability AI Community License";
    private const string FluxDiffusers = "black-forest-labs/FLUX.1-schnell";
    private const string Sd15Diffusers = "stable-diffusion-v1-5/stable-diffusion-v1-5";
    private const string ListedByThirdParties = "repository and file name seen in several public download scripts/catalogs (search index); not checked live against huggingface.co";
    private const string QwenCard = "repository and file name in Qwen's published GGUF naming (Qwen/<model>-GGUF, <model>-<quant>.gguf), seen in public download URLs; size from a published listing; not checked live";

    private static readonly Dictionary<string, string> ImageNetNormalization = new()
    {
        ["mean"] = "0.485,0.456,0.406", ["std"] = "0.229,0.224,0.225",
    };

    // SD-Turbo and SDXL-Turbo share license, device and defaults; the SDXL entry derives from this one.
    private static readonly ModelCatalogEntry SdTurbo = new()
    {
        Id = "sd-turbo-onnx", DisplayName = "SD-Turbo (ONNX Runtime, fp16, CUDA)", Kind = ModelKind.Diffusion,
        Repository = "onnxruntime/sd-turbo",
        Files = Diffusers(["text_encoder", "unet", "vae_decoder", "vae_encoder"], []),
        License = StabilityLicense, RequiresLicenseAcceptance = true, LicenseConditions = StabilityConditions,
        ApproximateSizeBytes = 2_600_000_000, Hardware = ModelHardware.Gpu24GB,
        DefaultParameters = Steps(1, 0, 512),
        Verification = "repository named in the Hugging Face blog 'Accelerating SD Turbo and SDXL Turbo Inference with ONNX Runtime'; text_encoder/, unet/, vae_encoder/, vae_decoder/ model.onnx and tokenizer/vocab.json, tokenizer/merges.txt in public code that loads them by URL; model_index.json and scheduler/scheduler_config.json are the optimum names, NOT verified; fp16 with com.microsoft.NhwcConv, so CUDA only (reported by two public projects)",
    };

    /// <summary>All catalog entries.</summary>
    public static IReadOnlyList<ModelCatalogEntry> Entries { get; } =
    [
        // Chat, CPU class.
        Gguf("qwen2.5-0.5b-instruct-q4km", "Qwen2.5 0.5B Instruct (Q4_K_M)", "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf",
            QwenLicense, 32768, 491_000_000, ModelHardware.Cpu, ListedByThirdParties),
        Gguf("qwen2.5-1.5b-instruct-q4km", "Qwen2.5 1.5B Instruct (Q4_K_M)", "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q4_k_m.gguf",
            QwenLicense, 32768, 1_120_000_000, ModelHardware.Cpu, ListedByThirdParties),
        // Qwen's own 7B GGUF repo splits Q4_K_M into two files; this community conversion is a single file.
        Gguf("qwen2.5-7b-instruct-q4km", "Qwen2.5 7B Instruct (Q4_K_M)", "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
            QwenLicense, 32768, 4_680_000_000, ModelHardware.Cpu, ListedByThirdParties),
        Gguf("qwen3-1.7b-q8", "Qwen3 1.7B (Q8_0)", "Qwen/Qwen3-1.7B-GGUF", "Qwen3-1.7B-Q8_0.gguf",
            QwenLicense, 32768, 1_834_426_016, ModelHardware.Cpu, QwenCard),
        Gguf("qwen3-4b-q4km", "Qwen3 4B (Q4_K_M)", "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf",
            QwenLicense, 32768, 2_500_000_000, ModelHardware.Cpu, QwenCard),
        // Meta publishes no GGUF; these are the widely used community conversions of the official weights.
        Gguf("llama-3.2-1b-instruct-q4km", "Llama 3.2 1B Instruct (Q4_K_M)", "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
            Llama32License, 131072, 808_000_000, ModelHardware.Cpu, ListedByThirdParties, LlamaConditions),
        Gguf("llama-3.2-3b-instruct-q4km", "Llama 3.2 3B Instruct (Q4_K_M)", "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
            Llama32License, 131072, 2_020_000_000, ModelHardware.Cpu, ListedByThirdParties, LlamaConditions),
        Gguf("llama-3.1-8b-instruct-q4km", "Llama 3.1 8B Instruct (Q4_K_M)", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
            "Llama 3.1 Community License", 131072, 4_920_000_000, ModelHardware.Cpu, ListedByThirdParties, LlamaConditions),
        // Chat, one 24 GB GPU (weights plus a few GB of KV cache).
        Gguf("qwen3-8b-q8", "Qwen3 8B (Q8_0)", "Qwen/Qwen3-8B-GGUF", "Qwen3-8B-Q8_0.gguf",
            QwenLicense, 32768, 8_709_518_112, ModelHardware.Gpu24GB, QwenCard),
        Gguf("qwen3-14b-q4km", "Qwen3 14B (Q4_K_M)", "Qwen/Qwen3-14B-GGUF", "Qwen3-14B-Q4_K_M.gguf",
            QwenLicense, 32768, 9_000_000_000, ModelHardware.Gpu24GB, QwenCard),
        Gguf("qwen3-32b-q4km", "Qwen3 32B (Q4_K_M)", "Qwen/Qwen3-32B-GGUF", "Qwen3-32B-Q4_K_M.gguf",
            QwenLicense, 32768, 19_762_149_024, ModelHardware.Gpu24GB, QwenCard + "; size 19,762,149,024 bytes from a published listing"),
        Gguf("llama-3.1-8b-instruct-q8", "Llama 3.1 8B Instruct (Q8_0)", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q8_0.gguf",
            "Llama 3.1 Community License", 131072, 8_540_000_000, ModelHardware.Gpu24GB, ListedByThirdParties, LlamaConditions),
        // Chat, one 80 GB GPU.
        Gguf("qwen3-32b-q8", "Qwen3 32B (Q8_0)", "Qwen/Qwen3-32B-GGUF", "Qwen3-32B-Q8_0.gguf",
            QwenLicense, 32768, 34_800_000_000, ModelHardware.Gpu80GB, QwenCard),
        Gguf("llama-3.3-70b-instruct-q4km", "Llama 3.3 70B Instruct (Q4_K_M)", "bartowski/Llama-3.3-70B-Instruct-GGUF", "Llama-3.3-70B-Instruct-Q4_K_M.gguf",
            "Llama 3.3 Community License", 131072, 42_500_000_000, ModelHardware.Gpu80GB, ListedByThirdParties, LlamaConditions),

        // Image generation (diffusers/optimum ONNX layout).
        new()
        {
            Id = "sd-1.5-onnx", DisplayName = "Stable Diffusion 1.5 (ONNX, fp32)", Kind = ModelKind.Diffusion,
            Repository = "onnx-community/stable-diffusion-v1-5-ONNX",
            Files =
            [
                new("text_encoder/model.onnx"), new("unet/model.onnx"), new("unet/weights.pb"), new("vae_decoder/model.onnx"),
                // The ONNX export ships a tokenizer as an ONNX custom op; the CLIP BPE files and configs come from the diffusers repository.
                new("model_index.json", Repository: Sd15Diffusers), new("scheduler/scheduler_config.json", Repository: Sd15Diffusers),
                new("tokenizer/vocab.json", Repository: Sd15Diffusers), new("tokenizer/merges.txt", Repository: Sd15Diffusers),
            ],
            License = "CreativeML OpenRAIL-M", RequiresLicenseAcceptance = true,
            LicenseConditions = "CreativeML OpenRAIL-M: use-based restrictions (Attachment A) that must be passed on to users.",
            ApproximateSizeBytes = 4_300_000_000, Hardware = ModelHardware.Cpu,
            DefaultParameters = Steps(25, 7.5, 512),
            Verification = "text_encoder/model.onnx, unet/model.onnx + unet/weights.pb (3.3 GB external data) and vae_decoder/model.onnx as public download scripts fetch them; those scripts take the tokenizer from the diffusers repository, whose successor stable-diffusion-v1-5/stable-diffusion-v1-5 is used here (repository seen in many download URLs; tokenizer/, scheduler/ and model_index.json are the standard diffusers names, NOT verified live); img2img needs a vae_encoder, which this export is not known to ship",
        },
        SdTurbo,
        SdTurbo with
        {
            Id = "sdxl-turbo-onnx", DisplayName = "SDXL-Turbo (ONNX Runtime, fp16, CUDA)", Repository = "onnxruntime/sdxl-turbo",
            Files = Diffusers(["text_encoder", "text_encoder_2", "unet", "vae_decoder", "vae_encoder"], ["text_encoder_2/model.onnx_data", "unet/model.onnx_data"]),
            ApproximateSizeBytes = 7_000_000_000,
            Verification = "repository and the dual-encoder file list (text_encoder_2/model.onnx_data, unet/model.onnx_data, tokenizer_2/) as listed by a public C# catalog of the same repository; model card states the Stability AI Community License; NOT checked live",
        },
        new()
        {
            Id = "flux.1-schnell-onnx", DisplayName = "FLUX.1 [schnell] (ONNX)", Kind = ModelKind.Diffusion,
            Repository = "black-forest-labs/FLUX.1-schnell-onnx",
            Files =
            [
                new("clip.opt/model.onnx", LocalPath: "text_encoder/model.onnx"),
                new("t5.opt/model.onnx", LocalPath: "text_encoder_2/model.onnx"),
                new("t5.opt/backbone.onnx_data", LocalPath: "text_encoder_2/backbone.onnx_data"),
                new("transformer.opt/bf16/model.onnx", LocalPath: "transformer/model.onnx"),
                new("transformer.opt/bf16/backbone.onnx_data", LocalPath: "transformer/backbone.onnx_data"),
                new("vae.opt/model.onnx", LocalPath: "vae_decoder/model.onnx"),
                new("model_index.json", Repository: FluxDiffusers),
                new("scheduler/scheduler_config.json", Repository: FluxDiffusers),
                new("tokenizer/vocab.json", Repository: FluxDiffusers),
                new("tokenizer/merges.txt", Repository: FluxDiffusers),
                new("tokenizer_2/spiece.model", Repository: FluxDiffusers),
                new("tokenizer_2/tokenizer.json", Repository: FluxDiffusers),
            ],
            License = "Apache-2.0", ApproximateSizeBytes = 33_000_000_000, Hardware = ModelHardware.Gpu80GB,
            DefaultParameters = Steps(4, 0, 1024),
            Verification = "repository used by Black Forest Labs' own flux TensorRT code; folder names clip.opt/, t5.opt/, transformer.opt/bf16/, vae.opt/ with model.onnx + backbone.onnx_data from a public inventory of a downloaded copy; tokenizers, scheduler config and model_index.json come from the diffusers repository black-forest-labs/FLUX.1-schnell (standard diffusers names, NOT verified live); the exports target TensorRT and may be gated behind a click-through on Hugging Face",
        },

        // Embeddings (GGUF through LLamaSharp's embedder); pooling comes from the file's <arch>.pooling_type.
        // E5 models expect "query: " / "passage: " before the text (see docs/api.md).
        Embedder("multilingual-e5-small-q8", "Multilingual E5 small (Q8_0, 384-d)", "ggml-org/multilingual-e5-small-Q8_0-GGUF", "main",
            new("multilingual-e5-small-Q8_0.gguf"), "MIT", 512, 130_000_000, Pooling("mean"),
            "repository and file name from a public setup guide (huggingface-cli download of this exact pair) and several public catalogs listing ~120-130 MB; MIT as intfloat/multilingual-e5-small; NOT checked live"),
        Embedder("multilingual-e5-base-q8", "Multilingual E5 base (Q8_0, 768-d)", "dinab/multilingual-e5-base-Q8_0-GGUF", "main",
            new("multilingual-e5-base-q8_0.gguf", "548c31b068947aa26b86c8bbfc1f2fabe5233f6d0e1241319832b20a01e5968a", 303_138_624), "MIT", 512, 303_138_624, Pooling("mean"),
            "community conversion (intfloat's own repository has no GGUF); file name, size 303,138,624 bytes and SHA-256 from a public project that pins them; MIT as intfloat/multilingual-e5-base; NOT checked live"),
        Embedder("bge-m3-q8", "BGE-M3 (Q8_0, 1024-d, 8k context)", "ggml-org/bge-m3-Q8_0-GGUF", "9eba04c5d75ba5a1595e45de734d36bef4e5cb98",
            new("bge-m3-q8_0.gguf", SizeBytes: 634_553_760), "MIT", 8192, 634_553_760, Pooling("cls"),
            "repository, revision, file name and size 634,553,760 bytes from a public download script that pins them (its SHA-256 was not fully visible, so the hash Hugging Face reports is used); MIT as BAAI/bge-m3; NOT checked live"),
        Embedder("qwen3-embedding-0.6b-q8", "Qwen3 Embedding 0.6B (Q8_0, 1024-d, Matryoshka)", "Qwen/Qwen3-Embedding-0.6B-GGUF", "370f27d7550e0def9b39c1f16d3fbaa13aa67728",
            new("Qwen3-Embedding-0.6B-Q8_0.gguf", "06507c7b42688469c4e7298b0a1e16deff06caf291cf0a5b278c308249c3e439"), QwenLicense, 32768, 639_000_000,
            new Dictionary<string, string>(Pooling("last")) { [Embeddings.EmbeddingSettings.Matryoshka] = "true", [Embeddings.EmbeddingSettings.MinDimensions] = "32" },
            "repository, revision, file name and SHA-256 pinned by a public test script; Matryoshka dimensions 32-1024 and last-token pooling per Qwen's model card as quoted in public projects; size approximate (Q8_0 of 0.6B parameters); NOT checked live"),

        // Background removal: one model.onnx, image in, mask out.
        Segmenter("birefnet-onnx", "BiRefNet (ONNX, fp16)", "onnx-community/BiRefNet-ONNX", "onnx/model_fp16.onnx", "MIT", 490_000_000,
            ModelHardware.Gpu24GB, Segmentation(1024, ImageNetNormalization),
            "repository and onnx/model.onnx (973 MB) / onnx/model_fp16.onnx (490 MB) in several public apps and a pinned download URL; MIT per the repository metadata"),
        Segmenter("isnet-general-use-onnx", "IS-Net general use (ONNX)", "ckpt/rembg", "isnet-general-use.onnx", "Apache-2.0", 179_000_000,
            ModelHardware.Cpu, Segmentation(1024, new() { ["mean"] = "0.5,0.5,0.5", ["std"] = "1,1,1" }),
            "community mirror of rembg's release file, URL seen in a public Dockerfile; NOT verified against a model card"),
        Segmenter("u2net-onnx", "U²-Net (ONNX)", "tomjackson2023/rembg", "u2net.onnx", "Apache-2.0", 176_000_000,
            ModelHardware.Cpu, Segmentation(320, ImageNetNormalization),
            "community mirror of rembg's u2net.onnx, URL in several public tools; NOT verified against a model card"),
    ];

    /// <summary>The entry with <paramref name="id"/>, or null.</summary>
    public static ModelCatalogEntry? Find(string id) =>
        Entries.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));

    private static ModelCatalogEntry Gguf(string id, string name, string repository, string file, string license, int contextLength,
        long size, ModelHardware hardware, string verification, string? conditions = null) => new()
    {
        Id = id, DisplayName = name, Kind = ModelKind.Chat, Repository = repository, Files = [new(file, SizeBytes: null)],
        License = license, ContextLength = contextLength, ApproximateSizeBytes = size, Hardware = hardware,
        RequiresLicenseAcceptance = conditions is not null, LicenseConditions = conditions, Verification = verification,
    };

    private static ModelCatalogEntry Segmenter(string id, string name, string repository, string file, string license, long size,
        ModelHardware hardware, IReadOnlyDictionary<string, string> settings, string verification) => new()
    {
        Id = id, DisplayName = name, Kind = ModelKind.BackgroundRemoval, Repository = repository, Files = [new(file, LocalPath: "model.onnx")],
        License = license, ApproximateSizeBytes = size, Hardware = hardware, Settings = settings, Verification = verification,
    };

    private static ModelCatalogEntry Embedder(string id, string name, string repository, string revision, ModelPackageFile file, string license,
        int contextLength, long size, IReadOnlyDictionary<string, string> settings, string verification) => new()
    {
        Id = id, DisplayName = name, Kind = ModelKind.Embedding, Repository = repository, Revision = revision, Files = [file],
        License = license, ContextLength = contextLength, ApproximateSizeBytes = size, Hardware = ModelHardware.Cpu, Settings = settings,
        Verification = verification,
    };

    // Used only when a file declares no pooling; the converters write it for these models.
    private static Dictionary<string, string> Pooling(string pooling) => new() { [Embeddings.EmbeddingSettings.Pooling] = pooling };

    /// <summary>The optimum ONNX layout: one model.onnx per component plus tokenizers, scheduler and model_index.json.</summary>
    public static IReadOnlyList<ModelPackageFile> Diffusers(IReadOnlyList<string> components, IReadOnlyList<string> externalData)
    {
        var files = new List<ModelPackageFile> { new("model_index.json"), new("scheduler/scheduler_config.json"), new("tokenizer/vocab.json"), new("tokenizer/merges.txt") };
        if (components.Contains("text_encoder_2"))
        {
            files.Add(new("tokenizer_2/vocab.json"));
            files.Add(new("tokenizer_2/merges.txt"));
        }
        files.AddRange(components.Select(c => new ModelPackageFile($"{c}/model.onnx")));
        files.AddRange(externalData.Select(p => new ModelPackageFile(p)));
        return files;
    }

    private static Dictionary<string, double> Steps(int steps, double guidance, int size) =>
        new() { ["steps"] = steps, ["guidance"] = guidance, ["width"] = size, ["height"] = size };

    private static Dictionary<string, string> Segmentation(int inputSize, Dictionary<string, string> normalization) =>
        new(normalization) { ["inputSize"] = inputSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ["maskNormalization"] = "minmax" };
}
