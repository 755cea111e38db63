package bound

// LanesPerFAdd is the number of SquaredError elements whose float64 work
// one FAddPD iteration performs.
const LanesPerFAdd = 16
