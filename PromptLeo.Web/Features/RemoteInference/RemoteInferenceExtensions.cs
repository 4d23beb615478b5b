using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.RemoteInference;

public static class RemoteInferenceExtensions
{
    /// <summary>
    /// Remote OpenAI-compatible inference endpoints as model providers: the registry of endpoints, the router the metered
    /// path asks, the health monitor, and one resilience pipeline per endpoint (retries before the first byte, timeout,
    /// circuit breaker).
    /// </summary>
    public static IHostApplicationBuilder AddPromptLeoRemoteInference(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RemoteInferenceOptions>().BindConfiguration(RemoteInferenceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RemoteEndpointCatalog>();
        services.AddSingleton<RemoteHealthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RemoteHealthMonitor>());
        services.AddSingleton<RemoteEndpointAdministration>();
        services.Replace(ServiceDescriptor.Singleton<IInferenceRouter, RemoteInferenceRouter>());

        services.AddHttpClient(RemoteHealthMonitor.HttpClientName);
        // No overall client timeout: an answer may stream for minutes; the idle timeout watches the stream instead.
        services.AddHttpClient(RemoteInferenceRouter.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("remote-inference", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<RemoteInferenceOptions>>().Value;
                if (options.MaxRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = options.RetryDelay,
                    });
                }
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 5,
                    SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, options.ResponseTimeout.Ticks * 2 + TimeSpan.TicksPerSecond)),
                    BreakDuration = options.BreakDuration,
                });
                pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.ResponseTimeout });
            })
            // One pipeline, and so one circuit, per endpoint (scheme, host and port).
            .SelectPipelineByAuthority();
        return builder;
    }
}
