using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Llm;

/// <summary>Configures the process-wide llama.cpp library once, before the first model loads.</summary>
internal sealed class LlamaNativeLibrary(IOptions<LlmOptions> options, ILogger<LlamaNativeLibrary> logger)
{
    private static readonly Lock Gate = new();
    private static bool _configured;
    private static ILogger? _nativeLogger;

    public void EnsureConfigured()
    {
        lock (Gate)
        {
            if (_configured)
                return;
            _configured = true;
            _nativeLogger = logger;
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                logger.LogWarning("llama.cpp was loaded before PromptLeo configured it; Inference:Llm:NativeLibraryPath is ignored");
                return;
            }

            var path = options.Value.NativeLibraryPath;
            if (!string.IsNullOrWhiteSpace(path))
            {
                logger.LogInformation("Using llama.cpp library {LibraryPath}", path);
                NativeLibraryConfig.All.WithLibrary(path, null);
            }

            // llama.cpp logs model and device details, never our prompts; keep it at Debug.
            NativeLibraryConfig.All.WithLogCallback(static (level, message) =>
            {
                var text = message.TrimEnd();
                if (text.Length <= 1 || _nativeLogger is not { } log || !log.IsEnabled(LogLevel.Debug))
                    return;
                log.LogDebug("llama.cpp {NativeLevel}: {NativeMessage}", level, text);
            });
        }
    }

    /// <summary>Whether the loaded llama.cpp build can offload layers to a GPU.</summary>
    public bool SupportsGpuOffload
    {
        get
        {
            try
            {
                return NativeApi.llama_supports_gpu_offload();
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }
}
