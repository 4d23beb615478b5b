using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Hosting;

public static class HostingExtensions
{
    /// <summary>The hosting options and the reverse-proxy headers they allow.</summary>
    public static IHostApplicationBuilder AddPromptLeoHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HostingOptions>>((options, hosting) =>
            TrustConfiguredProxies(options, hosting.Value));
        return builder;
    }

    /// <summary>
    /// Scheme and client address come from X-Forwarded-Proto/-For only when the connection is from a configured proxy,
    /// so HTTPS redirection, Secure cookies, HSTS and recorded addresses are right behind it and cannot be forged from elsewhere.
    /// </summary>
    private static void TrustConfiguredProxies(ForwardedHeadersOptions options, HostingOptions hosting)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        if (hosting.KnownProxies.Count == 0 && hosting.KnownNetworks.Count == 0)
        {
            return;
        }
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in hosting.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }
        foreach (var network in hosting.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }
}
