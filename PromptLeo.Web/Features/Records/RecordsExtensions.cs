namespace PromptLeo.Web.Features.Records;

public static class RecordsExtensions
{
    /// <summary>Processing records (Art. 30): the writer every inference request stamps its record with, and the <c>Records</c> options.</summary>
    public static IHostApplicationBuilder AddPromptLeoRecords(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecordsOptions>().BindConfiguration(RecordsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ProcessingRecordWriter>();
        return builder;
    }
}
