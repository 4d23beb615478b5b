using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Cluster;

public static class ClusterExtensions
{
    /// <summary>The node's name and the database leases that make scheduled jobs and single-flight work run once per cluster.</summary>
    public static IHostApplicationBuilder AddPromptLeoCluster(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // The option class is shared with other features; bound once however many of them register it.
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<ClusterOptions>)))
        {
            services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.SectionName);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClusterLeases>();
        return builder;
    }
}
