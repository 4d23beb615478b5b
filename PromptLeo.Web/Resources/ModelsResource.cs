namespace PromptLeo.Web.Resources;

/// <summary>Marker for the model install panel's strings. Keys are the English text.</summary>
public sealed class ModelsResource;
