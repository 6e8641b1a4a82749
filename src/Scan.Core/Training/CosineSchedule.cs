namespace Scan.Core.Training;

/// <summary>
/// Learning rate with linear warm-up followed by cosine decay from the base rate to
/// <c>baseRate * finalFraction</c> (SimCLR in the SCAN authors' configs decays to 0.1x).
/// </summary>
internal sealed class CosineSchedule
{
    private readonly double _baseRate;
    private readonly double _finalFraction;
    private readonly long _warmupSteps;
    private readonly long _totalSteps;

    public CosineSchedule(double baseRate, double finalFraction, long warmupSteps, long totalSteps)
    {
        _baseRate = baseRate;
        _finalFraction = finalFraction;
        _warmupSteps = Math.Max(0, warmupSteps);
        _totalSteps = Math.Max(1, totalSteps);
    }

    /// <summary>The rate for 0-based global step <paramref name="step"/>.</summary>
    public double RateAt(long step)
    {
        if (step < _warmupSteps)
            return _baseRate * (step + 1) / _warmupSteps;
        double progress = _totalSteps <= _warmupSteps
            ? 1
            : Math.Clamp((double)(step - _warmupSteps) / (_totalSteps - _warmupSteps), 0, 1);
        double final = _baseRate * _finalFraction;
        return final + (_baseRate - final) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
