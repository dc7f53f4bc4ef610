package dev.wsgrid.java;

import java.util.concurrent.CompletableFuture;

/** TGrid's calculator for the Java tests: the driver side (futures) and the provider side (blocking). */
final class Calculators {
    private Calculators() {
    }

    /** What a Java client calls. */
    interface Calculator {
        CompletableFuture<Double> plus(double x, double y);
        CompletableFuture<Double> minus(double x, double y);
        CompletableFuture<Double> multiplies(double x, double y);
        CompletableFuture<Double> divides(double x, double y);
        Scientific getScientific();
        Statistics getStatistics();

        interface Scientific {
            CompletableFuture<Double> pow(double x, double y);
            CompletableFuture<Double> sqrt(double x);
            CompletableFuture<Double> log(double x, double y);
        }

        interface Statistics {
            CompletableFuture<Double> mean(double... elems);
            CompletableFuture<Double> stdev(double... elems);
        }
    }

    /** What a Java server implements: plain blocking methods. */
    interface CalculatorService {
        double plus(double x, double y);
        double minus(double x, double y);
        double multiplies(double x, double y);
        double divides(double x, double y);
        ScientificService getScientific();
        StatisticsService getStatistics();

        interface ScientificService {
            double pow(double x, double y);
            double sqrt(double x);
            double log(double x, double y);
        }

        interface StatisticsService {
            double mean(double... elems);
            double stdev(double... elems);
        }
    }

    static class SimpleCalculator implements CalculatorService {
        private final ScientificService scientific = new ScientificService() {
            @Override public double pow(double x, double y) { return Math.pow(x, y); }
            @Override public double sqrt(double x) {
                if (x < 0) throw new IllegalArgumentException("Negative value on square.");
                return Math.sqrt(x);
            }
            @Override public double log(double x, double y) {
                if (x < 0 || y < 0) throw new IllegalArgumentException("Negative value on log.");
                return Math.log(y) / Math.log(x);
            }
        };
        private final StatisticsService statistics = new StatisticsService() {
            @Override public double mean(double... elems) {
                double sum = 0;
                for (double e : elems) sum += e;
                return sum / elems.length;
            }
            @Override public double stdev(double... elems) {
                double mean = mean(elems);
                double sum = 0;
                for (double e : elems) sum += (e - mean) * (e - mean);
                return Math.sqrt(sum / elems.length);
            }
        };

        @Override public double plus(double x, double y) { return x + y; }
        @Override public double minus(double x, double y) { return x - y; }
        @Override public double multiplies(double x, double y) { return x * y; }
        @Override public double divides(double x, double y) {
            if (y == 0) throw new IllegalArgumentException("Divided by zero.");
            return x / y;
        }
        @Override public ScientificService getScientific() { return scientific; }
        @Override public StatisticsService getStatistics() { return statistics; }
    }

    /** The answer TGrid's scenario checks a remote call against. */
    static double expected(int method, double x, double y) {
        switch (method) {
            case 0: return x + y;
            case 1: return x - y;
            case 2: return x * y;
            case 3: return x / y;
            case 4: return Math.pow(x, y);
            case 5: return Math.log(y) / Math.log(x);
            case 6: return Math.sqrt(x);
            case 7: return (x + y) / 2;
            default: {
                double m = (x + y) / 2;
                return Math.sqrt(((x - m) * (x - m) + (y - m) * (y - m)) / 2);
            }
        }
    }

    static CompletableFuture<Double> call(Calculator calc, int method, double x, double y) {
        switch (method) {
            case 0: return calc.plus(x, y);
            case 1: return calc.minus(x, y);
            case 2: return calc.multiplies(x, y);
            case 3: return calc.divides(x, y);
            case 4: return calc.getScientific().pow(x, y);
            case 5: return calc.getScientific().log(x, y);
            case 6: return calc.getScientific().sqrt(x);
            case 7: return calc.getStatistics().mean(x, y);
            default: return calc.getStatistics().stdev(x, y);
        }
    }
}
