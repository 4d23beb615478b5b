using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Content;

public static class ContentExtensions
{
    /// <summary>Encrypted content storage, processing records and the metering seam the feature services share.</summary>
    public static IHostApplicationBuilder AddPromptLeoContent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<UserContentCipher>();
        services.TryAddSingleton<DataFileWriter>();
        services.AddSingleton<EncryptedFileStore>();
        services.AddOptions<RecordsOptions>().BindConfiguration(RecordsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ProcessingRecordWriter>();
        services.AddSingleton<InferenceAccessGuard>();
        services.TryAddSingleton<IUsageMeter, FreeUsageMeter>();
        return builder;
    }
}
