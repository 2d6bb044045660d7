print("drcheck")
