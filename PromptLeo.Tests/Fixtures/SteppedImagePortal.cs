using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The browser portal whose real image engine waits after each denoising step until the test lets it go on, so a test
/// can watch the page show every step instead of racing a tiny model that finishes between two renders.
/// The engine, the models and the progress reports are the production ones; only the pace is the test's.
/// </summary>
public sealed class SteppedImagePortal : BrowserPortal
{
    /// <summary>While armed, every reported step waits for one <see cref="StepGate.Release"/>.</summary>
    public StepGate Steps { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ImageGenerator>();
            services.AddSingleton<IImageGenerator>(provider => new SteppedGenerator(provider.GetRequiredService<ImageGenerator>(), Steps));
        });
    }

    public sealed class StepGate
    {
        // Long enough for a loaded CI machine, short enough that a test that stopped releasing does not hang the run.
        private static readonly TimeSpan MostWait = TimeSpan.FromSeconds(60);
        private readonly SemaphoreSlim released = new(0);
        private volatile bool armed;

        public void Arm() => armed = true;

        /// <summary>Lets every waiting and future step through.</summary>
        public void Disarm()
        {
            armed = false;
            released.Release(1000);
        }

        public void Release() => released.Release();

        internal void AfterStep(CancellationToken cancellationToken)
        {
            if (armed)
            {
                released.Wait(MostWait, cancellationToken);
            }
        }
    }

    /// <summary>Passes everything to the real generator; holds the engine's thread after each step report while armed.</summary>
    private sealed class SteppedGenerator(ImageGenerator inner, StepGate gate) : IImageGenerator
    {
        public Task<ImageResult> GenerateAsync(ImageRequest request, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default) =>
            inner.GenerateAsync(request, progress is null ? null : new Held(progress, gate, cancellationToken), cancellationToken);

        public Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken = default) =>
            inner.DescribeAsync(modelId, cancellationToken);

        public Task<byte[]> RemoveBackgroundAsync(string modelId, byte[] image, CancellationToken cancellationToken = default) =>
            inner.RemoveBackgroundAsync(modelId, image, cancellationToken);

        private sealed class Held(IProgress<ImageProgress> page, StepGate gate, CancellationToken cancellationToken) : IProgress<ImageProgress>
        {
            public void Report(ImageProgress value)
            {
                page.Report(value);
                gate.AfterStep(cancellationToken);
            }
        }
    }
}
