"""Two logical CPU devices for the whole test session (set before TensorFlow starts), so that tests can run
`tf.distribute.MirroredStrategy` with two replicas on a CPU-only machine. Ops are still placed on /cpu:0 unless
a strategy places them."""

import tensorflow as tf

tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                           [tf.config.LogicalDeviceConfiguration()] * 2)
